#!/usr/bin/env bash
# The Hydra upstream load run of `make bench`: starts bin/hydra (`make
# hydra`: Ory Hydra v2.3.0, the one the tests run) in memory on free loopback
# ports, with the environment internal/hydratest gives it and nothing else,
# waits for /health/ready, then runs registrar-load's plugin-upstream
# scenario with bin/plugins/hydra, which at each concurrency also measures
# Hydra's own create rate (POST /admin/clients of the same client, without
# Registrar) and prints the ratio. Hydra is stopped on exit. Arguments go to
# registrar-load (-c, -d).
set -euo pipefail
bin=${BIN:-bin}
dir=$(mktemp -d)
trap 'kill "${hydra:-0}" 2>/dev/null && wait "$hydra" 2>/dev/null; rm -rf "$dir"' EXIT

# A loopback port nothing listens on, chosen at random (the start is retried
# if Hydra finds it taken).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 4<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# ready PORT: GET /health/ready on 127.0.0.1:PORT answers 200.
ready() {
	local line
	exec 4<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&4
	IFS= read -r -t 2 line <&4 || true
	exec 4<&- 4>&-
	[[ $line == "HTTP/1."?" 200 "* ]]
}

start_hydra() {
	public=$(free_port)
	admin=$(free_port)
	[[ $public != "$admin" ]] || return 1
	# No environment of ours: Hydra's configuration, a fresh HOME and
	# TMPDIR, and a proxy on a loopback port nothing listens on (the
	# discard port), so that any request to a host other than loopback
	# (telemetry, a fetched URL) fails instead of leaving the machine.
	# oauth2.hashers is left unset: Hydra's default hasher.
	env -i HOME="$dir" TMPDIR="$dir" \
		HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
		DSN=memory SECRETS_SYSTEM="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
		SERVE_PUBLIC_HOST=127.0.0.1 SERVE_PUBLIC_PORT="$public" \
		SERVE_ADMIN_HOST=127.0.0.1 SERVE_ADMIN_PORT="$admin" \
		URLS_SELF_ISSUER="http://127.0.0.1:$public/" URLS_SELF_PUBLIC="http://127.0.0.1:$public/" \
		URLS_SELF_ADMIN="http://127.0.0.1:$admin/" \
		SQA_OPT_OUT=true LOG_LEVEL=warn LOG_LEAK_SENSITIVE_VALUES=false \
		"$bin/hydra" serve all --dev --sqa-opt-out >"$dir/log" 2>&1 &
	hydra=$!
	for _ in $(seq 600); do # 60s: in-memory migrations on a loaded machine
		kill -0 "$hydra" 2>/dev/null || return 1
		ready "$admin" 2>/dev/null && ready "$public" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

[[ -x $bin/hydra ]] || { echo "$bin/hydra is missing: run make hydra" >&2; exit 1; }
for attempt in 1 2 3; do
	start_hydra && break
	kill "${hydra:-0}" 2>/dev/null && wait "$hydra" 2>/dev/null || true
	if [[ $attempt == 3 ]] || ! grep -q 'address already in use' "$dir/log"; then
		echo "hydra did not start:" >&2
		cat "$dir/log" >&2
		exit 1
	fi
done
echo "Hydra upstream: Ory Hydra $("$bin/hydra" version 2>/dev/null | sed -n 's/^Version:[[:space:]]*//p') in memory (DSN=memory) at http://127.0.0.1:$admin (admin)."
echo "Hydra hashes each client secret with its default hasher, PBKDF2-SHA256 at 25,000 iterations"
echo "(oauth2.hashers unset); Registrar stores the SHA-256 of each secret (256 random bits)."
"$bin/registrar-load" -scenario plugin-upstream -plugin "$bin/plugins/hydra" \
	-plugin-config "admin_url = \"http://127.0.0.1:$admin\"
    owner     = \"registrar-load\"" \
	-admin-url "http://127.0.0.1:$admin" -owner registrar-load "$@"

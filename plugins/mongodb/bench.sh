#!/usr/bin/env bash
# The MongoDB-store load run of `make bench`: starts an embedded FerretDB
# (SQLite backend, the same server the tests use) on a loopback port, runs
# registrar-load with bin/plugins/mongodb as the store, and stops FerretDB.
# With MONGODB_URI set, that MongoDB is used instead.
set -euo pipefail
bin=${BIN:-bin}
dir=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; kill "${ferret:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT

uri=${MONGODB_URI:-}
if [[ -z $uri ]]; then
	# ferretdbd exits when its standard input closes: fd 3 holds the pipe.
	mkfifo "$dir/in"
	"$bin/ferretdbd" -dir "$dir" <"$dir/in" >"$dir/out" 2>"$dir/err" &
	ferret=$!
	exec 3>"$dir/in"
	for _ in $(seq 100); do
		grep -q '^listening ' "$dir/out" 2>/dev/null && break
		sleep 0.1
	done
	uri=$(sed -n 's/^listening //p' "$dir/out")
	[[ -n $uri ]] || { echo "ferretdbd did not start:" >&2; cat "$dir/err" >&2; exit 1; }
	echo "MongoDB store on embedded FerretDB v1.24 (SQLite backend) at $uri"
else
	echo "MongoDB store on MONGODB_URI"
fi
"$bin/registrar-load" -scenario plugin-store -plugin "$bin/plugins/mongodb" \
	-plugin-config "uri = \"$uri\"
    database = \"registrar_bench_$$\"" "$@"

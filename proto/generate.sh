#!/usr/bin/env bash
# Regenerates the Go code of the Registrar plugin protocol from the .proto
# files under proto/, with pinned generators. `make proto` calls it; `make
# verify` calls it and then checks that nothing changed.
#
# Generators are installed with `go install` into proto/.bin (ignored by git).
# protoc comes from Debian's protobuf-compiler package, installed here when it
# is missing and we run as root. The "protoc vX" comment that protoc-gen-go
# writes is normalized, so any protoc 3.12+ yields the same bytes.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # = google.golang.org/protobuf in go.mod
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # go.mod "go 1.25.0"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
mkdir -p "$bin"

install_gen() { # name module version
	local name=$1 module=$2 version=$3 stamp="$bin/.$1.version"
	if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
		return
	fi
	echo "installing $module@$version" >&2
	GOBIN="$bin" go install "$module@$version"
	echo "$version" >"$stamp"
}
install_gen protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
install_gen protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

if ! command -v protoc >/dev/null 2>&1; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "installing protobuf-compiler with apt-get" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
	else
		echo "protoc not found: install protobuf-compiler (apt-get install protobuf-compiler) or protoc 3.12+" >&2
		exit 1
	fi
fi
echo "using $(protoc --version)" >&2

cd "$here"
mapfile -t protos < <(find registrar -name '*.proto' | LC_ALL=C sort)
PATH="$bin:$PATH" protoc \
	--proto_path=. \
	--go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative \
	"${protos[@]}"

# Normalize the protoc version comment (the only output that depends on the
# protoc binary).
while IFS= read -r f; do
	sed -i -E 's#^// (\s*)protoc( +)v[0-9][^ ]*$#// \1protoc\2(version normalized by proto/generate.sh)#' "$f"
	sed -i -E 's#^// - protoc( +)v[0-9][^ ]*$#// - protoc\1(version normalized by proto/generate.sh)#' "$f"
done < <(find registrar -name '*.pb.go' | LC_ALL=C sort)

#!/usr/bin/env bash
# Regenerates the Go code of the Registrar plugin protocol from the .proto
# files under proto/ into sdk/internal/pluginv1 (see proto/README.md for why
# it lives there), with pinned generators. `make proto` calls it; `make
# verify` calls it and then checks that nothing changed.
#
# Generators are installed with `go install` at pinned versions into
# proto/.bin (ignored by git). protoc is not installed here: it must be in
# PATH (Debian's protobuf-compiler; .ci/run installs it on a CI machine). The
# "protoc vX" comment that protoc-gen-go writes is the only output that
# depends on the protoc binary and is normalized, so any protoc 3.12+ yields
# the same bytes for this proto3 file.
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
	echo "protoc not found: install Debian's protobuf-compiler (apt-get install protobuf-compiler) or protoc 3.12+" >&2
	exit 1
fi
protoc_version=$(protoc --version | awk '{print $2}') # "libprotoc 3.21.12"
IFS=. read -r major minor _ <<<"$protoc_version"
if ! [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || ((major < 3 || (major == 3 && minor < 12))); then
	echo "protoc $protoc_version is older than 3.12, which this script requires (Debian's protobuf-compiler 3.21.12 is the reference)" >&2
	exit 1
fi
echo "using protoc $protoc_version" >&2

# The go_package option of each .proto names its place under the sdk module;
# module= strips the module path so the files land in that directory.
sdk_module=github.com/registrar-dcr/registrar/sdk
out="$here/../sdk"
cd "$here"
mapfile -t protos < <(find registrar -name '*.proto' | LC_ALL=C sort)
PATH="$bin:$PATH" protoc \
	--proto_path=. \
	--go_out="$out" --go_opt=module="$sdk_module" \
	--go-grpc_out="$out" --go-grpc_opt=module="$sdk_module" \
	"${protos[@]}"

# Normalize the protoc version comment (the only output that depends on the
# protoc binary).
while IFS= read -r f; do
	sed -i -E 's#^// (\s*)protoc( +)v[0-9][^ ]*$#// \1protoc\2(version normalized by proto/generate.sh)#' "$f"
	sed -i -E 's#^// - protoc( +)v[0-9][^ ]*$#// - protoc\1(version normalized by proto/generate.sh)#' "$f"
done < <(find "$out/internal/pluginv1" -name '*.pb.go' | LC_ALL=C sort)

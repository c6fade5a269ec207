#!/bin/sh
# The executable Registrar starts for node-validator: go-plugin needs one
# file to run and to checksum. Its sha256 pins this wrapper only, not
# index.mjs, the .proto files or node_modules (see README.md).
#
# NODE names the node binary; the server does not pass its environment on,
# so set PATH or NODE in the plugin block's env.
set -eu
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec "${NODE:-node}" "$dir/index.mjs"

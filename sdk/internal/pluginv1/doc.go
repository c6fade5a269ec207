// Package pluginv1 is the Go code generated from
// proto/registrar/plugin/v1/plugin.proto by `make proto`; do not edit it.
// It sits under sdk/internal, as terraform-plugin-go keeps tfplugin6 under
// tfprotov6/internal, so that Go plugin authors cannot import it: they see
// only the sdk types, and the converters in sdk/internal/convert are the one
// place that maps them to the wire. The protocol can then gain fields or
// services without a breaking change to any Go import path. Authors in other
// languages generate their own code from the .proto files in proto/.
package pluginv1

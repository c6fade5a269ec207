// Package convert translates between the public sdk types and the generated
// protobuf messages of the plugin protocol (sdk/internal/pluginv1, generated
// from proto/registrar/plugin/v1/plugin.proto), and
// between Go errors and gRPC statuses. It is the only place, with sdk/plugin,
// that knows the wire types; plugin authors never see them.
//
// Every message converter comes in a pair, XToProto and XFromProto, one file
// per concept. Pointer arguments follow "nil in, nil out". Client metadata
// crosses as the RFC 7591 JSON object that sdk.Metadata marshals to, which
// keeps language-tagged members and unknown extension members losslessly.
//
// Errors: ToStatus runs on the plugin side and FromStatus on the host side.
// An *sdk.Error crosses as itself (code, description, HTTP status; never its
// cause), store sentinels cross as themselves, a dead, hung or canceled
// plugin call becomes sdk.ErrUnavailable, and anything else becomes a plain
// error whose text is meant for the log only.
package convert

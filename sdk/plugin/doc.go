// Package plugin runs Registrar extension points in separate processes, over
// hashicorp/go-plugin and gRPC. It has two halves:
//
// For plugin authors, Serve is the whole main of a plugin binary:
//
//	func main() {
//		p := &policy{} // a struct embedding sdk.DefaultSteps
//		plugin.Serve(&plugin.ServeConfig{Steps: p},
//			plugin.WithConfig(p.configure)) // func(ctx, config) error: the typed config block
//	}
//
// WithConfig decodes the plugin's config block with sdk.DecodeConfig and
// hands it over before any other call, and never during one (calls before
// the first successful configuration fail with sdk.ErrUnavailable), so a
// plugin keeps its configuration in plain fields.
//
// A plugin serves one or more kinds: a Validator (or Steps, which serves
// Validate through sdk.Run), a Processor, a store, a ResponseGenerator and
// an Upstream (which provisions clients into the authorization server and
// is the one kind besides the processor and the response generator that
// receives a plaintext credential, the client secret of the request).
// A store is an sdk.Store, or an sdk.ClientStore alone that leaves initial
// access tokens and jtis to another store of the server (the kinds
// KindStore, KindTokenStore and KindJTIStore). It returns sdk values and sdk
// errors exactly as an in-process implementation does: an *sdk.Error crosses
// the wire with its code, description and HTTP status unchanged (its cause
// does not cross), the store sentinels (sdk.ErrNotFound, ErrAlreadyExists,
// ErrConflict, ErrUnavailable) arrive as themselves, and any other error is
// logged by the server and answered as server_error. The plugin logs with
// go-hclog to stderr in JSON (the default logger does this) and the server
// shows the lines under the plugin's name.
//
// For the host, Launch starts a plugin binary and returns an Instance whose
// Validator, Processor, Store (ClientStore, TokenStore, JTIStore),
// Response and Upstream methods return sdk implementations backed by gRPC: the server's
// pipeline cannot tell them from built-ins. Launch is secure by default:
// the binary's SHA-256 must match a pinned value (unless DevMode), the
// connection uses automatic mutual TLS (unless DisableMTLS), only gRPC is
// accepted, the handshake is versioned (ProtocolVersion), and the plugin
// does not inherit the server's environment. Every call carries the caller's context, so the server's
// per-call deadline applies; a call to a plugin that crashed, hung past the
// deadline or cannot be reached fails with an error matching
// sdk.ErrUnavailable, and Exited tells whether the process is gone so that
// the host can restart it.
//
// The wire protocol is proto/registrar/plugin/v1/plugin.proto (its Go code is
// generated into sdk/internal/pluginv1, out of authors' reach); plugins in
// other languages implement it directly. This package and sdk/internal are
// the only parts of the SDK that import go-plugin, gRPC or protobuf.
package plugin

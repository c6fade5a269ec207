// Package plugintest runs a plugin binary in a test exactly as Registrar
// runs it: through the go-plugin handshake, with the SHA-256 pin, automatic
// mutual TLS, a clean environment, and the gRPC wire in between.
//
//	func TestPlugin(t *testing.T) {
//		bin := plugintest.Build(t, ".")                  // the plugin's main package
//		inst := plugintest.Start(t, bin, plugintest.WithConfig([]byte(`{"tenant":"acme"}`)))
//		v, err := inst.Validator()
//		...
//		storetest.Run(t, func(t *testing.T) sdk.Store { // a store plugin
//			s, _ := plugintest.Start(t, bin).Store()
//			return s
//		})
//	}
//
// Build compiles with the go command found in PATH; Start kills the plugin
// when the test ends. Neither depends on the server.
//
// Serve serves an implementation in the test's own process over the same
// gRPC wire, without building a binary; ServeUpstream is its shorthand for
// an sdk.Upstream:
//
//	up := plugintest.ServeUpstream(t, myUpstream) // an sdk.Upstream over gRPC
//	got, err := up.Create(ctx, provision)
package plugintest

// Package pluginhost starts, supervises and calls Registrar's out-of-process
// plugins (DESIGN §5). It turns each configured `plugin "name" {}` block into
// a running go-plugin subprocess (through sdk/plugin.Launch: checksum pinned
// unless dev_mode, AutoMTLS unless tls = false, gRPC only, versioned
// handshake, no inherited environment), sends it its `config {}` block, and
// hands the pipeline sdk.Validator, sdk.Processor, sdk.Store and
// sdk.ResponseGenerator values that
//
//   - bound every call with the plugin's per-call timeout;
//   - answer sdk.ErrUnavailable (503 temporarily_unavailable) while the
//     plugin is down, never an internal error;
//   - restart a plugin that exited, with exponential backoff, on the next
//     call after the backoff, so the request after a crash normally succeeds.
//
// A plugin that fails to start stops the server unless it is optional; an
// optional plugin is retried on use and reported by /readyz meanwhile.
package pluginhost

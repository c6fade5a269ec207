// Package pluginhost starts, supervises and calls Registrar's out-of-process
// plugins (DESIGN §5). It turns each configured `plugin "name" {}` block into
// a running go-plugin subprocess (through sdk/plugin.Launch: checksum pinned
// unless dev_mode, AutoMTLS unless tls = false, gRPC only, versioned
// handshake, no inherited environment), sends it its `config {}` block, and
// hands the pipeline sdk.Validator, sdk.Processor, sdk.Store and
// sdk.ResponseGenerator values that
//
//   - bound every call with the plugin's per-call timeout, which covers
//     the wait for a plugin that is restarting as well as the call itself;
//   - answer sdk.ErrUnavailable (503 temporarily_unavailable) while the
//     plugin is down, never an internal error;
//   - restart a plugin that exited once, in the background, as soon as a
//     call sees it die (or on the next call after a failed start's
//     exponential backoff): concurrent calls wait for that one start or
//     their own deadline, whichever comes first, and never queue behind a
//     lock, so the request after a crash normally succeeds;
//   - kill and restart the same way a plugin that is hung (alive but
//     deadlocked): maxMisses consecutive calls that miss their deadline,
//     with no call answered in between.
//
// A plugin that fails to start stops the server unless it is optional; an
// optional plugin is retried on use and reported by /readyz meanwhile.
package pluginhost

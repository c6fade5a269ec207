// Package hydratest runs a real Ory Hydra for tests, so that provisioning
// into an authorization server is proven against the server itself, with no
// Docker and nothing to install but the Go toolchain and a C compiler:
//
//	h := hydratest.Start(t,                        // stopped when the test ends
//		hydratest.WithLoginURL(login.URL),         // the test's login app
//		hydratest.WithConsentURL(consent.URL),
//		hydratest.WithSetting("webfinger.oidc_discovery.client_registration_url", reg))
//	h.AdminURL  // POST /admin/clients, introspection, login and consent requests
//	h.PublicURL // /oauth2/token, /oauth2/auth, /.well-known/openid-configuration
//	h.Issuer    // what discovery and tokens name (WithIssuer; PublicURL + "/" by default)
//
// Hydra is Version, pinned as a tool in the module ./hydra, which is kept
// out of go.work and out of every other go.mod. Binary builds it once with
// -tags sqlite (cgo: its SQLite backs DSN=memory) into
// $(go env GOCACHE)/../registrar-hydra/<Version>-<key>/hydra, where key
// hashes the tool module's go.mod and go.sum, the Go version, the target and
// the C compiler, so that a change of any of them builds again and anything
// else reuses the binary (`make hydra` builds the same file). The first
// build takes minutes; a failed build fails the test and names what is
// missing (the go command, a C compiler, the module proxy). Nothing skips.
//
// Start runs `hydra serve all --dev --sqa-opt-out` with DSN=memory, public
// and admin APIs on free ports of 127.0.0.1, waits for /health/ready on
// both, and stops it (SIGTERM, then SIGKILL) at cleanup; on Linux Hydra also
// dies with the test process. Hydra gets no environment of the test process:
// only its configuration, a fresh HOME and TMPDIR, and HTTP_PROXY and
// HTTPS_PROXY naming a tripwire on loopback, so that any attempt to reach a
// host other than loopback over HTTP (telemetry, a fetched URL) is refused
// there and fails the test. Telemetry (sqa) is opted out and tracing is
// off. Hydra's log goes to the test log (WithLogOutput).
package hydratest

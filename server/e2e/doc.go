// Package e2e holds Registrar's end-to-end tests against a real
// authorization server: `registrar serve` runs as a subprocess with the Ory
// Hydra upstream plugin (plugins/hydra) and writes every registration into
// a real Ory Hydra (internal/hydratest), and the tests prove what a 201, a
// 200 and a 204 promise there (DESIGN §2, "Reaching the authorization
// server"): the client gets tokens, updates and deletes reach Hydra,
// failures leave nothing half-written, and `registrar reconcile` repairs
// what a crash between two writes leaves. The package has no code besides
// its tests.
package e2e

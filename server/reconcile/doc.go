// Package reconcile finds and repairs what a crash between the two writes
// of a registration leaves between Registrar's store and the
// authorization server it provisions clients into (sdk.Upstream): an
// upstream client carrying Registrar's marker with no local registration
// (a crash during a create), a local registration with no upstream client
// (a crash during a delete, or a client removed upstream by hand), and an
// upstream client older than its local registration (a crash during an
// update, told by the revision the upstream keeps). Plan lists the
// repairs without changing anything; Apply carries them out one by one,
// each re-checked just before it acts; Run does both periodically for
// `registrar serve`, and `registrar reconcile` once for the operator.
// Reconciliation never sees a plaintext secret except one it recovers
// with the secret encryption key to provision a client_secret_jwt client
// again, and never prints or logs a secret or a hash.
package reconcile

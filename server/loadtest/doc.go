// Package loadtest is Registrar's bounded load generator, behind `make
// bench`. It starts `registrar serve` as a subprocess on a loopback port
// with a throw-away configuration, registers clients over HTTP at a given
// concurrency for a fixed time or count, and reports registrations per
// second and latency percentiles. For the upstream scenario it also
// measures the authorization server alone (RunHydra: Hydra's POST
// /admin/clients of the client the hydra plugin writes), so that the cost
// of provisioning can be read beside the server's own. It measures; it
// asserts nothing.
package loadtest

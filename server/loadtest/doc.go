// Package loadtest is Registrar's bounded load generator, behind `make
// bench`. It starts `registrar serve` as a subprocess on a loopback port
// with a throw-away configuration, registers clients over HTTP at a given
// concurrency for a fixed time or count, and reports registrations per
// second and latency percentiles. It measures; it asserts nothing.
package loadtest

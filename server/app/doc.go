// Package app assembles a running Registrar from a configuration: it opens
// the store, builds the registration profiles and the pipeline, and serves
// HTTP with graceful shutdown. It holds no logic of its own beyond wiring,
// so tests and the CLI start exactly the server operators run.
package app

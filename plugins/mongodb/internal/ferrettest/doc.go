// Package ferrettest runs a FerretDB 1.x (SQLite backend) for tests, so that
// the MongoDB store's tests always run against a real MongoDB-wire server,
// with no Docker and nothing to install:
//
//	uri := ferrettest.Start(t)         // stopped when the test ends
//	uri, real := ferrettest.URI(t)     // MONGODB_URI when set, FerretDB otherwise
//
//	srv := ferrettest.New(t)           // for outage tests
//	srv.Stop()                         // port closed, connections cut, as a crash
//	srv.Restart()                      // same port, same data; clients reconnect
//
// FerretDB listens on an ephemeral port behind a small TCP proxy on the
// server's fixed loopback address; Stop closes the proxy and every proxied
// connection at once (FerretDB alone would give clients a grace period of
// seconds) and stops FerretDB; Restart starts FerretDB again on the same data
// directory and reopens the same address.
//
// FerretDB runs in the test process (ferretdb.New and Run, stopped by
// canceling Run's context) unless the race detector is on: FerretDB and its
// SQLite are several times slower under it, so race builds run it in a child
// process (./ferretdbd, built once per test process without -race into
// $TMPDIR/registrar-ferrettest, which needs the go command in PATH, as
// plugintest.Build does). REGISTRAR_FERRETTEST_MODE=inprocess|process
// overrides the choice, and WithMode overrides it for one server.
package ferrettest

//go:build race

package ferrettest

// raceEnabled: FerretDB and its SQLite run several times slower under the
// race detector, so the default is to run them out of process.
const raceEnabled = true

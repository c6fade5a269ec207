// Package roundtrip is what the fuzz targets and the property tests of
// registration bodies share: the seed bodies (the request bodies of the
// README and the success answers of the golden files, with the members the
// server manages removed), bounded deterministic variations of them, and
// Lifecycle, which drives one body through create → read → update with
// what the read returned → delete (RFC 7591 §3, RFC 7592 §2) against a
// running server and reports any 5xx or mismatch.
//
// The property it checks, on every store: for any body the server accepts,
// the stored record decodes, GET returns it, and a PUT of what GET returned
// succeeds and changes nothing.
//
// It imports nothing of the server, so the SDK's tests may use it too.
package roundtrip

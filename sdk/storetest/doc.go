// Package storetest is the conformance suite of sdk.Store: every store
// (the built-in memory and sqlite stores, a plugin store such as MongoDB, and
// any store seen through the gRPC plugin wire) runs the same cases against
// itself with one call in its test file:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) sdk.Store {
//			s := mystore.New(...)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite splits as the contract does: RunClients (sdk.ClientStore),
// RunTokens (sdk.TokenStore) and RunJTI (sdk.JTIStore), and Run is all
// three. A store that keeps clients only (one backed by an authorization
// server's admin API, leaving initial access tokens and jtis to another
// store) calls RunClients.
//
// The suite relies on the sdk.Store contract only: a record (client or
// initial access token) is stored and returned whole, exactly as given
// except Revision, which the store sets (1 on Create and CreateToken, +1 on
// each Update and UpdateToken); stale revisions fail with sdk.ErrConflict,
// missing records with sdk.ErrNotFound, duplicate client_ids, token IDs and
// token hashes with sdk.ErrAlreadyExists, a replayed jti with
// sdk.ErrAlreadyExists until its record expires; an empty registration
// token hash never matches; a canceled context never yields a success. Run
// lists every checked rule. Clients are compared after Normalize, which
// forgets only what no JSON, BSON or protobuf encoding keeps (empty versus
// nil lists and maps, JSON whitespace and member order); tokens, which hold
// scalars only, are compared with ==.
//
// SampleClient, SampleToken, Normalize, Diff and TokenHash are exported so
// that other tests (plugin wire round trips, HTTP tests) can build and
// compare records the same way.
package storetest

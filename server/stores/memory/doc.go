// Package memory is an in-memory sdk.Store for tests, demos and single-node
// development: maps of client records, initial access tokens and jti replay
// records guarded by one sync.RWMutex, with secondary indexes from
// registration token hash to client_id, from token hash to token ID, and a
// count of clients per profile. Records are deep-copied on the way in and on
// the way out (sdk.Client.Clone), so no caller can alias or mutate a stored
// record. It implements the full sdk.Store contract (revisions, ErrNotFound,
// ErrAlreadyExists, ErrConflict, replay detection) and passes the storetest
// conformance suite, but keeps nothing across restarts and is not shared
// between replicas.
package memory

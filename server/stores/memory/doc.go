// Package memory is an in-memory sdk.Store for tests, demos and single-node
// development: a map of client records guarded by a sync.RWMutex, with a
// secondary index from registration token hash to client_id. Records are
// deep-copied on the way in and on the way out (sdk.Client.Clone), so no
// caller can alias or mutate a stored record. It implements the full
// sdk.Store contract (revisions, ErrNotFound, ErrAlreadyExists, ErrConflict)
// and passes the storetest conformance suite, but keeps nothing across
// restarts and is not shared between replicas.
package memory

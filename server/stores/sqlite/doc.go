// Package sqlite is Registrar's embedded default sdk.Store, on SQLite through
// modernc.org/sqlite (pure Go, no cgo). One database file holds the clients
// table, keyed by client_id, with a partial unique index on the non-empty
// registration token hash, an index on profile (CountClients) and the whole
// record as JSON; the initial_access_tokens table, keyed by id with a unique
// hash, one column per field; and the jti table of used software statements,
// keyed by issuer and jti, whose expired rows an upsert replaces. The schema
// is migrated forward in one transaction at Open, idempotently. The file runs in
// WAL mode with synchronous=NORMAL (a committed write survives a process
// crash; a power loss may lose the last commits, never the file), and is
// created with mode 0600. All writes go through a single writer connection,
// so they never contend inside SQLite, and concurrent creates are
// group-committed (one transaction for everything queued, each record with
// its own answer); reads go to a separate pool of read-only (query_only)
// connections that WAL lets run beside the writer.
// Health commits a heartbeat row on the writer, so a database that cannot be
// written is not ready, and reports a write refused for want of room for a
// few seconds; a write that fails because of the database replaces the
// writer connection before the next one, so the store recovers by itself
// when the fault clears (a connection opened on a read-only file stays
// read-only otherwise).
// Errors follow the sdk.Store contract: sdk.ErrNotFound, ErrAlreadyExists and
// ErrConflict for answers about the data; a closed store, an I/O or lock
// failure, or a deadline is sdk.ErrUnavailable wrapping its cause, never
// ErrNotFound; a canceled context is returned as the context's error.
package sqlite

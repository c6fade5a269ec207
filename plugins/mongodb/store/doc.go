// Package store is Registrar's MongoDB sdk.Store, served by the mongodb
// plugin (plugins/mongodb) and usable in process. It runs on MongoDB
// (a replica set with majority writes in production) through
// go.mongodb.org/mongo-driver/v2, and on servers that speak the MongoDB wire
// protocol, FerretDB 1.x included, whose differences it handles (below).
//
// # Documents
//
// One collection (default "clients") holds one document per client:
//
//	{
//	  _id:        client_id,
//	  token_hash: registration access token hash (absent when revoked),
//	  profile:    registration profile,
//	  revision:   int64, 1 after Create, +1 per Update,
//	  issued_at:  client_id_issued_at, updated_at: last write (epoch seconds),
//	  data:       the whole sdk.Client as a JSON string
//	}
//
// data is authoritative and round-trips every field losslessly (extension
// members, raw JWKS, large integers, pointers to zero values); the other
// fields are copies for the indexes, the revision check and operators'
// queries.
//
// A second collection (default "initial_access_tokens") holds one document
// per initial access token, its fields as they are:
//
//	{_id: token ID, hash, profile, description, created_at, expires_at,
//	 max_uses, uses, revoked, revision}
//
// A third (default "jti") holds one document per used software statement:
//
//	{_id: issuer and jti, expires_at: epoch seconds, expire_at: the same as a date}
//
// # Indexes
//
// Configure (and Open) create, idempotently: on clients, a unique index on
// token_hash over the documents that have one ("token_hash_unique": partial
// on MongoDB, sparse where partial indexes are not implemented), so that
// revoked clients may coexist and a hash names one client, and an index on
// profile (CountClients); on initial_access_tokens, a unique index on hash
// ("hash_unique"; the ID is the _id) and one on {created_at, _id}
// ("created_at_id", ListTokens' order); on jti, a TTL index on expire_at
// ("expire_at_ttl", expireAfterSeconds 0), so that MongoDB deletes expired
// records in the background.
//
// # Semantics
//
// Create is an insert: a duplicate _id is sdk.ErrAlreadyExists, a duplicate
// token_hash is ErrTokenHashInUse. Update replaces the document matching
// {_id, revision}; Delete deletes it; when nothing matches, a read from the
// primary tells sdk.ErrNotFound from sdk.ErrConflict. Tokens follow the
// same rules (a duplicate _id or hash is sdk.ErrAlreadyExists; UpdateToken
// matches {_id, revision, hash}, so a changed hash is refused with
// ErrTokenHashChanged). MarkJTIUsed inserts the record, and on a duplicate
// key deletes it if it has expired and inserts again: of concurrent uses of
// one key exactly one insert succeeds, and a duplicate key means a replay;
// expiry is decided by the caller's now, the TTL index is only garbage
// collection. No transactions are used. Every call is bounded by the operation timeout; an unreachable
// server, a timeout, a primary stepping down or an unsatisfied write concern
// is sdk.ErrUnavailable (never ErrNotFound); a canceled caller gets its
// context's error. Health pings the primary.
//
// # FerretDB 1.x
//
//   - A conditional update or delete is a query followed by a write by _id,
//     not one atomic step, so two writers of one revision could both win,
//     and a delete of an expired jti record could delete the record another
//     caller has just inserted. When the server is FerretDB (buildInfo has
//     ferretdbVersion), writes to one client, one token and one jti key are
//     serialized inside the process; run one Registrar replica per FerretDB
//     database.
//   - TTL indexes are not implemented: the jti collection has none, and
//     expired records stay until their key is used again (MarkJTIUsed
//     enforces expiry itself).
//   - A createIndexes of several indexes that exist already drops the
//     connection: indexes are created one per command.
//   - An update that violates the unique token_hash index fails with an
//     InternalError, not a duplicate key error; the store checks the hash on
//     the primary and answers ErrTokenHashInUse. Token updates cannot
//     violate an index (the hash is in the filter), and jti records are
//     written by inserts only, whose violations are duplicate key errors.
//   - A duplicate key error does not name its index; the store reads the
//     primary to tell a taken client_id from a taken hash.
//   - partialFilterExpression is not implemented and sparse is ignored; the
//     SQLite and PostgreSQL backends leave missing fields out of unique
//     indexes anyway, so the index is created sparse there.
package store

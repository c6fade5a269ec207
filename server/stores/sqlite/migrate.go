package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are the schema versions in order: migrations[i] brings the
// schema from version i to version i+1. Never edit or reorder an entry that
// has shipped; append a new one.
var migrations = []string{
	// 1: the clients table. The scalar columns duplicate fields of the JSON
	// record in data so they can be indexed and inspected; data is
	// authoritative except for revision, which the store maintains.
	`CREATE TABLE clients (
		client_id               TEXT    NOT NULL PRIMARY KEY,
		registration_token_hash TEXT    NOT NULL DEFAULT '',
		profile                 TEXT    NOT NULL DEFAULT '',
		revision                INTEGER NOT NULL,
		issued_at               INTEGER NOT NULL DEFAULT 0,
		updated_at              INTEGER NOT NULL DEFAULT 0,
		data                    TEXT    NOT NULL
	);
	CREATE UNIQUE INDEX clients_registration_token_hash
		ON clients (registration_token_hash)
		WHERE registration_token_hash <> '';`,

	// 2: initial access tokens, the jti records of used software
	// statements, and an index for counting the clients of a profile. A
	// token row holds the whole record in columns (all scalars); id and
	// hash are its identities, unique and never updated. A jti row is kept
	// until it is replaced after expires_at.
	`CREATE TABLE initial_access_tokens (
		id          TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
		hash        TEXT    NOT NULL UNIQUE CHECK (hash <> ''),
		profile     TEXT    NOT NULL DEFAULT '',
		description TEXT    NOT NULL DEFAULT '',
		created_at  INTEGER NOT NULL DEFAULT 0,
		expires_at  INTEGER NOT NULL DEFAULT 0,
		max_uses    INTEGER NOT NULL DEFAULT 0,
		uses        INTEGER NOT NULL DEFAULT 0,
		revoked     INTEGER NOT NULL DEFAULT 0,
		revision    INTEGER NOT NULL
	);
	CREATE INDEX initial_access_tokens_created_at
		ON initial_access_tokens (created_at, id);
	CREATE TABLE jti (
		jti_key    TEXT    NOT NULL PRIMARY KEY,
		expires_at INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX clients_profile ON clients (profile);`,

	// 3: the heartbeat row Health rewrites to prove the writer can commit
	// (a read-only file or a full disk fails it, where SELECT 1 does not).
	`CREATE TABLE heartbeat (
		id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
		at INTEGER NOT NULL
	);`,
}

// SchemaVersion returns the schema version this package migrates to.
func SchemaVersion() int { return len(migrations) }

// migrate applies the missing migrations in one transaction on the writer
// (BEGIN IMMEDIATE, so two processes opening the same file at once do not
// both migrate). A database whose schema is newer than this binary is
// refused rather than used.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this binary supports (%d)", current, len(migrations))
	}
	now := time.Now().Unix()
	for v := current; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v+1, now); err != nil {
			return fmt.Errorf("record migration %d: %w", v+1, err)
		}
	}
	return tx.Commit()
}

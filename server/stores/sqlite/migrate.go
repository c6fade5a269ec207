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

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin"
)

var (
	_ storeadmin.Scanner = (*Store)(nil)
	_ storeadmin.Remover = (*Store)(nil)
)

const (
	// scanClientsSQL reads every client in client_id order (the primary
	// key), for registrar client scan; rare, so not prepared.
	scanClientsSQL = `SELECT client_id, revision, data FROM clients ORDER BY client_id`
	// removeClientSQL deletes by client_id alone: the data column is never
	// read, so a record that no longer decodes can be removed.
	removeClientSQL = `DELETE FROM clients WHERE client_id = ?`
)

// ScanClients calls fn with every stored client in client_id order
// (storeadmin.Scanner), decoding each data column as Get does; a row that
// does not decode is passed with Record.Err set. The rows are read on the
// read pool, in one read transaction, so the scan sees one snapshot of the
// database while the server keeps writing.
func (s *Store) ScanClients(ctx context.Context, fn func(storeadmin.Record) error) error {
	if err := s.check(ctx, "scan clients"); err != nil {
		return err
	}
	rows, err := s.reader.QueryContext(ctx, scanClientsSQL)
	if err != nil {
		return s.fail(ctx, "scan clients", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   string
			rev  int64
			data []byte
		)
		if err := rows.Scan(&id, &rev, &data); err != nil {
			return s.fail(ctx, "scan clients", err)
		}
		rec := storeadmin.Record{ClientID: id}
		var c sdk.Client
		if err := json.Unmarshal(data, &c); err != nil {
			rec.Err = fmt.Errorf("%w: %w", errDecode, err)
		} else {
			c.Revision = rev
			rec.Client = c
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.fail(ctx, "scan clients", err)
	}
	return nil
}

// RemoveClient deletes the client stored under clientID whatever its
// revision, without reading its data column (storeadmin.Remover);
// sdk.ErrNotFound when there is none.
func (s *Store) RemoveClient(ctx context.Context, clientID string) error {
	if err := s.check(ctx, "remove client"); err != nil {
		return err
	}
	return s.write(ctx, "remove client", clientID, 0, func(tx *sql.Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, removeClientSQL, clientID)
	})
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/registrar-dcr/registrar/sdk"
)

// ErrTokenHashChanged is returned by UpdateToken when t.Hash differs from
// the stored token's: the hash is the token's identity, as its ID is, and
// never changes. It points at a bug in the caller; it is not
// sdk.ErrConflict, which a read-and-retry loop would retry.
var ErrTokenHashChanged = errors.New("sqlite: the hash of an initial access token cannot change")

// errEmptyIdentity refuses a token without ID or Hash.
var errEmptyIdentity = errors.New("sqlite: create token: an initial access token needs an ID and a Hash")

// errDecodeToken marks a stored token row that does not scan.
var errDecodeToken = errors.New("decode stored initial access token")

const (
	tokenColumns   = `id, hash, profile, description, created_at, expires_at, max_uses, uses, revoked, revision`
	tokenInsertSQL = `INSERT INTO initial_access_tokens (` + tokenColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`
	// The hash is in the WHERE clause, never in SET: it cannot change.
	tokenUpdateSQL = `UPDATE initial_access_tokens
		SET profile = ?, description = ?, created_at = ?, expires_at = ?,
		    max_uses = ?, uses = ?, revoked = ?, revision = revision + 1
		WHERE id = ? AND revision = ? AND hash = ?`
	tokenStateSQL = `SELECT revision, hash FROM initial_access_tokens WHERE id = ?`
	tokenGetSQL   = `SELECT ` + tokenColumns + ` FROM initial_access_tokens WHERE hash = ?`
	tokenListSQL  = `SELECT ` + tokenColumns + ` FROM initial_access_tokens ORDER BY created_at, id`
	// One statement, so atomic whatever the connection: insert the key, or
	// replace its record only when it has expired. No row changes on a
	// replay.
	jtiMarkSQL = `INSERT INTO jti (jti_key, expires_at) VALUES (?, ?)
		ON CONFLICT (jti_key) DO UPDATE SET expires_at = excluded.expires_at
		WHERE jti.expires_at <= ?`
)

// CreateToken inserts t with Revision 1 and returns it so. It fails with
// sdk.ErrAlreadyExists when t.ID or t.Hash is taken, and refuses a token
// whose ID or Hash is empty; nothing is written then. Tokens are created
// rarely (by the operator), so CreateToken writes directly on the writer
// connection instead of joining the group commit of Create.
func (s *Store) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	const op = "create token"
	if err := s.check(ctx, op); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	if t.ID == "" || t.Hash == "" {
		return sdk.InitialAccessToken{}, errEmptyIdentity
	}
	t.Revision = 1
	s.reviveWriter(ctx)
	_, err := s.tokenInsert.ExecContext(ctx,
		t.ID, t.Hash, t.Profile, t.Description, t.CreatedAt, t.ExpiresAt, t.MaxUses, t.Uses, t.Revoked)
	switch code := sqliteCode(err); {
	case err == nil:
		s.writeSucceeded()
		return t, nil
	case code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, code == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q (ID or hash taken)", sdk.ErrAlreadyExists, t.ID)
	default:
		return sdk.InitialAccessToken{}, s.writeFailed(ctx, op, err)
	}
}

// GetToken returns the initial access token whose hash is hash, or
// sdk.ErrNotFound. The empty hash matches nothing.
func (s *Store) GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error) {
	const op = "get token"
	if err := s.check(ctx, op); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	if hash == "" {
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token", sdk.ErrNotFound)
	}
	t, err := scanToken(s.tokenGet.QueryRowContext(ctx, hash))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token", sdk.ErrNotFound)
	case errors.Is(err, errDecodeToken):
		return sdk.InitialAccessToken{}, fmt.Errorf("sqlite: %s: %w", op, err)
	case err != nil:
		return sdk.InitialAccessToken{}, s.fail(ctx, op, err)
	}
	return t, nil
}

// ListTokens returns every initial access token ordered by created_at then
// id (the initial_access_tokens_created_at index), read in one statement.
func (s *Store) ListTokens(ctx context.Context) ([]sdk.InitialAccessToken, error) {
	const op = "list tokens"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.tokenList.QueryContext(ctx)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var list []sdk.InitialAccessToken
	for rows.Next() {
		t, err := scanToken(rows)
		if errors.Is(err, errDecodeToken) {
			return nil, fmt.Errorf("sqlite: %s: %w", op, err)
		}
		if err != nil {
			return nil, s.fail(ctx, op, err)
		}
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return list, nil
}

// UpdateToken replaces the stored token with the same ID by t when the
// stored revision equals t.Revision, and returns t with Revision+1. It fails
// with sdk.ErrNotFound when there is no such token, sdk.ErrConflict when the
// revision is stale, and ErrTokenHashChanged when t.Hash is not the stored
// hash (a stale revision is reported first); nothing changes then.
func (s *Store) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (_ sdk.InitialAccessToken, err error) {
	const op = "update token"
	if err := s.check(ctx, op); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	s.reviveWriter(ctx)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return sdk.InitialAccessToken{}, s.writeFailed(ctx, op, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	res, err := tx.StmtContext(ctx, s.tokenUpdate).ExecContext(ctx,
		t.Profile, t.Description, t.CreatedAt, t.ExpiresAt, t.MaxUses, t.Uses, t.Revoked,
		t.ID, t.Revision, t.Hash)
	if err != nil {
		return sdk.InitialAccessToken{}, s.writeFailed(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return sdk.InitialAccessToken{}, s.writeFailed(ctx, op, err)
	}
	if n == 0 {
		// Explain the miss from the same transaction.
		var (
			stored int64
			hash   string
		)
		err := tx.StmtContext(ctx, s.tokenState).QueryRowContext(ctx, t.ID).Scan(&stored, &hash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q", sdk.ErrNotFound, t.ID)
		case err != nil:
			return sdk.InitialAccessToken{}, s.writeFailed(ctx, op, err)
		case stored != t.Revision:
			return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q is at revision %d, not %d",
				sdk.ErrConflict, t.ID, stored, t.Revision)
		default:
			return sdk.InitialAccessToken{}, fmt.Errorf("%w (token %q)", ErrTokenHashChanged, t.ID)
		}
	}
	if err := tx.Commit(); err != nil {
		return sdk.InitialAccessToken{}, s.writeFailed(ctx, op, err)
	}
	s.writeSucceeded()
	t.Revision++
	return t, nil
}

// MarkJTIUsed records key until expiresAt in one upsert on the writer. It
// fails with sdk.ErrAlreadyExists when key is recorded with an expires_at
// later than now (a replay); an expired record is replaced. Expired rows
// stay until their key is used again: a row is a few dozen bytes per
// software statement registration.
func (s *Store) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	const op = "mark jti used"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	s.reviveWriter(ctx)
	res, err := s.jtiMark.ExecContext(ctx, key, expiresAt, now)
	if err != nil {
		return s.writeFailed(ctx, op, err)
	}
	s.writeSucceeded()
	n, err := res.RowsAffected()
	if err != nil {
		return s.writeFailed(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: jti already used", sdk.ErrAlreadyExists)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanToken reads a row of tokenColumns. The columns are scanned as they
// are stored and then type-checked, so that an error of Scan is always the
// database's and a row that does not hold what the schema says (SQLite
// accepts any value in any column) is errDecodeToken.
func scanToken(row scanner) (sdk.InitialAccessToken, error) {
	var cols [10]any
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	if err := row.Scan(dest...); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	var t sdk.InitialAccessToken
	var revoked int64
	strs := []*string{&t.ID, &t.Hash, &t.Profile, &t.Description}
	ints := []*int64{&t.CreatedAt, &t.ExpiresAt, &t.MaxUses, &t.Uses, &revoked, &t.Revision}
	for i, p := range strs {
		v, ok := cols[i].(string)
		if !ok {
			return sdk.InitialAccessToken{}, fmt.Errorf("%w: column %d holds %T", errDecodeToken, i, cols[i])
		}
		*p = v
	}
	for i, p := range ints {
		v, ok := cols[len(strs)+i].(int64)
		if !ok {
			return sdk.InitialAccessToken{}, fmt.Errorf("%w: column %d holds %T", errDecodeToken, len(strs)+i, cols[len(strs)+i])
		}
		*p = v
	}
	t.Revoked = revoked != 0
	return t, nil
}

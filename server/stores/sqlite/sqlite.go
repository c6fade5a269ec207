package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/registrar-dcr/registrar/sdk"
)

// ErrTokenHashInUse is returned by Create and Update when another client
// already holds the registration token hash (the partial unique index). Hashes
// of 256-bit random tokens never collide, so this points at a bug in the
// caller; it is not sdk.ErrAlreadyExists, which is about the client_id.
var ErrTokenHashInUse = errors.New("sqlite: registration token hash already in use")

// errDecode marks a stored record that does not decode: a corrupt row is a
// server error, not an outage and not a missing record.
var errDecode = errors.New("decode stored client")

// errClosed is the cause of sdk.ErrUnavailable after Close.
var errClosed = errors.New("store is closed")

// Options tune a Store. The zero value is usable.
type Options struct {
	// ReadConns is the size of the read pool. Default 4.
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock held by another
	// process (a CLI, a backup) before failing with sdk.ErrUnavailable.
	// Default 5s.
	BusyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	return o
}

// Store is an sdk.Store on one SQLite database file. It is safe for
// concurrent use. Open it with Open and release it with Close.
type Store struct {
	writer *sql.DB // exactly one connection: every write
	reader *sql.DB // query_only connections: Get, GetByRegistrationToken
	ckpt   *sql.DB // one connection: background WAL checkpoints (checkpoint.go)

	ckptStop chan struct{}
	ckptDone chan struct{}

	insert       *sql.Stmt
	update       *sql.Stmt
	del          *sql.Stmt
	revisionOf   *sql.Stmt // on the writer, to explain a write that matched no row
	get          *sql.Stmt
	getByToken   *sql.Stmt
	countClients *sql.Stmt

	// Initial access tokens and jti records (tokens.go).
	tokenInsert *sql.Stmt
	tokenUpdate *sql.Stmt
	tokenState  *sql.Stmt // on the writer, to explain an update that matched no row
	tokenGet    *sql.Stmt
	tokenList   *sql.Stmt
	jtiMark     *sql.Stmt

	// Group commit of Create (batch.go).
	creates     chan *createReq
	writerDone  chan struct{}
	queueMu     sync.RWMutex // guards queueClosed and closing creates
	queueClosed bool

	// writerSuspect is set when a write failed in a way that may have left
	// the writer connection unusable (see writeFailed); the next write
	// replaces the connection first (reviveWriter).
	writerSuspect atomic.Bool

	// The last write that failed because the disk or the database is
	// full (SQLITE_FULL), until a write succeeds; Health reports it for
	// faultWindow, so readiness reflects what writes meet where the small
	// heartbeat still commits (it rewrites a page; a registration may need
	// new ones). Other faults (read-only, I/O errors) fail the heartbeat
	// itself.
	hasFault    atomic.Bool
	faultMu     sync.Mutex
	faultAt     time.Time
	faultErr    error
	faultWindow time.Duration

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ sdk.Store = (*Store)(nil)

const (
	insertSQL = `INSERT INTO clients
		(client_id, registration_token_hash, profile, revision, issued_at, updated_at, data)
		VALUES (?, ?, ?, 1, ?, ?, ?)`
	updateSQL = `UPDATE clients
		SET registration_token_hash = ?, profile = ?, revision = revision + 1,
		    issued_at = ?, updated_at = ?, data = ?
		WHERE client_id = ? AND revision = ?`
	deleteSQL     = `DELETE FROM clients WHERE client_id = ? AND revision = ?`
	revisionOfSQL = `SELECT revision FROM clients WHERE client_id = ?`
	getSQL        = `SELECT revision, data FROM clients WHERE client_id = ?`
	// The "<> ''" term lets SQLite use the partial index, and makes sure
	// the empty hash of a revoked client never matches.
	getByTokenSQL = `SELECT revision, data FROM clients
		WHERE registration_token_hash = ? AND registration_token_hash <> ''`
	countClientsSQL = `SELECT COUNT(*) FROM clients WHERE profile = ?`
	heartbeatSQL    = `INSERT INTO heartbeat (id, at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`
)

// Open opens (creating it with mode 0600 if needed) the database file at
// path, migrates its schema to SchemaVersion, and prepares the statements.
// path is a file system path; in-memory databases are refused because the
// writer and the read pool must share one database. Open fails when the file
// cannot be put in WAL mode or its schema is newer than this package.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: need a file system path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	// SQLite gives the -wal and -shm files the mode of the database file.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		_ = f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}

	s := &Store{faultWindow: defaultFaultWindow}
	busy := strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)

	s.writer, err = sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {"busy_timeout(" + busy + ")", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)",
			"wal_autocheckpoint(0)"}, // checkpoint.go checkpoints off the writer
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)

	fail := func(what string, err error) (*Store, error) {
		s.closeAll()
		return nil, fmt.Errorf("sqlite: open %q: %s: %w", path, what, err)
	}
	var mode string
	if err := s.writer.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fail("connect", err)
	}
	if mode != "wal" {
		return fail("journal mode", fmt.Errorf("the file system does not support WAL (journal_mode is %q)", mode))
	}
	if err := migrate(ctx, s.writer); err != nil {
		return fail("migrate", err)
	}

	s.reader, err = sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {"busy_timeout(" + busy + ")", "foreign_keys(1)", "query_only(1)"},
	}))
	if err != nil {
		return fail("read pool", err)
	}
	s.reader.SetMaxOpenConns(opts.ReadConns)
	s.reader.SetMaxIdleConns(opts.ReadConns)
	s.reader.SetConnMaxLifetime(0)
	s.reader.SetConnMaxIdleTime(0)
	if err := s.reader.PingContext(ctx); err != nil {
		return fail("read pool", err)
	}

	for _, p := range []struct {
		db   *sql.DB
		stmt **sql.Stmt
		sql  string
	}{
		{s.writer, &s.insert, insertSQL},
		{s.writer, &s.update, updateSQL},
		{s.writer, &s.del, deleteSQL},
		{s.writer, &s.revisionOf, revisionOfSQL},
		{s.reader, &s.get, getSQL},
		{s.reader, &s.getByToken, getByTokenSQL},
		{s.reader, &s.countClients, countClientsSQL},
		{s.writer, &s.tokenInsert, tokenInsertSQL},
		{s.writer, &s.tokenUpdate, tokenUpdateSQL},
		{s.writer, &s.tokenState, tokenStateSQL},
		{s.reader, &s.tokenGet, tokenGetSQL},
		{s.reader, &s.tokenList, tokenListSQL},
		{s.writer, &s.jtiMark, jtiMarkSQL},
	} {
		if *p.stmt, err = p.db.PrepareContext(ctx, p.sql); err != nil {
			return fail("prepare", err)
		}
	}
	s.ckpt, err = sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {"busy_timeout(" + busy + ")"},
	}))
	if err != nil {
		return fail("checkpointer", err)
	}
	s.ckpt.SetMaxOpenConns(1)
	s.ckpt.SetMaxIdleConns(1)
	s.ckpt.SetConnMaxLifetime(0)
	s.ckpt.SetConnMaxIdleTime(0)
	if err := s.ckpt.PingContext(ctx); err != nil {
		return fail("checkpointer", err)
	}
	s.creates = make(chan *createReq, queueSize)
	s.writerDone = make(chan struct{})
	s.ckptStop, s.ckptDone = make(chan struct{}), make(chan struct{})
	go s.runWriter()
	go s.runCheckpointer(s.ckpt, s.ckptStop, s.ckptDone)
	return s, nil
}

// dsn builds a file: URI for the driver. Each _pragma runs on every new
// connection of the pool, so all connections are configured alike.
func dsn(abs string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close waits for the queued creates to be written, then closes the
// statements and both pools. After Close every method fails with
// sdk.ErrUnavailable. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.queueMu.Lock()
		s.queueClosed = true
		close(s.creates)
		s.queueMu.Unlock()
		<-s.writerDone
		if s.ckptStop != nil {
			close(s.ckptStop)
			<-s.ckptDone
		}
		// Fold the WAL into the database and let SQLite refresh its
		// planner statistics; failures are harmless.
		_, _ = s.writer.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		_, _ = s.writer.Exec(`PRAGMA optimize`)
		s.closeErr = s.closeAll()
	})
	return s.closeErr
}

func (s *Store) closeAll() error {
	var errs []error
	for _, st := range []*sql.Stmt{
		s.insert, s.update, s.del, s.revisionOf, s.get, s.getByToken, s.countClients,
		s.tokenInsert, s.tokenUpdate, s.tokenState, s.tokenGet, s.tokenList, s.jtiMark,
	} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, db := range []*sql.DB{s.ckpt, s.reader, s.writer} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// Create inserts c with Revision 1 and returns it so. It fails with
// sdk.ErrAlreadyExists when c.ID is taken and with ErrTokenHashInUse when
// another client holds c.RegistrationTokenHash; nothing is written then.
// Concurrent creates are group-committed (see batch.go); a Create returns
// only once its record is committed or known not to be.
func (s *Store) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	if err := s.check(ctx, "create"); err != nil {
		return sdk.Client{}, err
	}
	c.Revision = 1
	data, err := encodeClient(c)
	if err != nil {
		return sdk.Client{}, fmt.Errorf("sqlite: create: encode client %q: %w", c.ID, err)
	}
	req := &createReq{ctx: ctx, c: &c, data: data, done: make(chan error, 1)}
	if err := s.enqueue(ctx, req); err != nil {
		return sdk.Client{}, err
	}
	if err := <-req.done; err != nil {
		return sdk.Client{}, err
	}
	return c, nil
}

// Get returns the client with the given client_id, or sdk.ErrNotFound.
func (s *Store) Get(ctx context.Context, clientID string) (sdk.Client, error) {
	if err := s.check(ctx, "get"); err != nil {
		return sdk.Client{}, err
	}
	c, err := s.scan(s.get.QueryRowContext(ctx, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return sdk.Client{}, fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
	}
	if errors.Is(err, errDecode) {
		return sdk.Client{}, fmt.Errorf("sqlite: get: %w", err)
	}
	if err != nil {
		return sdk.Client{}, s.fail(ctx, "get", err)
	}
	return c, nil
}

// GetByRegistrationToken returns the client whose current registration token
// hash is tokenHash, or sdk.ErrNotFound. The empty hash of a revoked client
// matches nothing.
func (s *Store) GetByRegistrationToken(ctx context.Context, tokenHash string) (sdk.Client, error) {
	if err := s.check(ctx, "get by registration token"); err != nil {
		return sdk.Client{}, err
	}
	if tokenHash == "" {
		return sdk.Client{}, sdk.ErrNotFound
	}
	c, err := s.scan(s.getByToken.QueryRowContext(ctx, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return sdk.Client{}, sdk.ErrNotFound
	}
	if errors.Is(err, errDecode) {
		return sdk.Client{}, fmt.Errorf("sqlite: get by registration token: %w", err)
	}
	if err != nil {
		return sdk.Client{}, s.fail(ctx, "get by registration token", err)
	}
	return c, nil
}

// Update replaces the stored client with c when the stored revision equals
// c.Revision, and returns c with Revision+1. It fails with sdk.ErrNotFound
// when the client does not exist, sdk.ErrConflict when the revision is
// stale, and ErrTokenHashInUse when another client holds the new hash; on
// failure nothing changes.
func (s *Store) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	if err := s.check(ctx, "update"); err != nil {
		return sdk.Client{}, err
	}
	expected := c.Revision
	c.Revision = expected + 1
	data, err := encodeClient(c)
	if err != nil {
		return sdk.Client{}, fmt.Errorf("sqlite: update: encode client %q: %w", c.ID, err)
	}
	err = s.write(ctx, "update", c.ID, expected, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.update).ExecContext(ctx,
			c.RegistrationTokenHash, c.Profile, c.IssuedAt, c.UpdatedAt, data, c.ID, expected)
	})
	if err != nil {
		return sdk.Client{}, err
	}
	return c, nil
}

// Delete removes the client when the stored revision equals revision. It
// fails with sdk.ErrNotFound when the client does not exist and
// sdk.ErrConflict when the revision is stale.
func (s *Store) Delete(ctx context.Context, clientID string, revision int64) error {
	if err := s.check(ctx, "delete"); err != nil {
		return err
	}
	return s.write(ctx, "delete", clientID, revision, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.del).ExecContext(ctx, clientID, revision)
	})
}

// write runs a conditional write (WHERE client_id = ? AND revision = ?) in
// an immediate transaction on the writer. When it matches no row, a
// follow-up read in the same transaction tells a missing client
// (ErrNotFound) from a stale revision (ErrConflict).
func (s *Store) write(ctx context.Context, op, clientID string, revision int64, exec func(*sql.Tx) (sql.Result, error)) (err error) {
	s.reviveWriter(ctx)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.writeFailed(ctx, op, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	res, err := exec(tx)
	if err != nil {
		if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			return ErrTokenHashInUse
		}
		return s.writeFailed(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.writeFailed(ctx, op, err)
	}
	if n == 0 {
		stored, exists, err := s.revision(ctx, tx, clientID)
		switch {
		case err != nil:
			return s.writeFailed(ctx, op, err)
		case !exists:
			return fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
		default:
			return fmt.Errorf("%w: client %q is at revision %d, not %d", sdk.ErrConflict, clientID, stored, revision)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.writeFailed(ctx, op, err)
	}
	s.writeSucceeded()
	return nil
}

// revision reads the stored revision of clientID on the writer, inside tx
// when it is not nil.
func (s *Store) revision(ctx context.Context, tx *sql.Tx, clientID string) (rev int64, exists bool, err error) {
	st := s.revisionOf
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	err = st.QueryRowContext(ctx, clientID).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return rev, err == nil, err
}

// CountClients returns the number of clients whose profile is profile (the
// clients_profile index); 0 for a profile without clients.
func (s *Store) CountClients(ctx context.Context, profile string) (int64, error) {
	if err := s.check(ctx, "count clients"); err != nil {
		return 0, err
	}
	var n int64
	if err := s.countClients.QueryRowContext(ctx, profile).Scan(&n); err != nil {
		return 0, s.fail(ctx, "count clients", err)
	}
	return n, nil
}

// Health proves that the store can serve: the writer commits a write (it
// rewrites the one heartbeat row), so a database file that became read-only,
// a full disk or a broken writer connection fails it; no write has failed
// for want of room (SQLITE_FULL) in the last faultWindow (10 s) without a
// write succeeding since, which covers the writes that need more room than
// the heartbeat; and the read pool answers a query. A failure is
// sdk.ErrUnavailable wrapping its cause. The heartbeat costs one WAL frame
// and no fsync (synchronous=NORMAL), about 20 µs; a failed Health replaces
// the writer connection like any failed write, so readiness recovers by
// itself once the fault clears.
func (s *Store) Health(ctx context.Context) error {
	const op = "health"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	s.reviveWriter(ctx)
	if _, err := s.writer.ExecContext(ctx, heartbeatSQL, time.Now().Unix()); err != nil {
		return s.writeFailed(ctx, op, err)
	}
	if err := s.recentFault(); err != nil {
		return s.fail(ctx, op, err)
	}
	var one int
	if err := s.reader.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// writeFailed classifies a failed write like fail, and marks the writer
// connection suspect unless the failure says nothing about it (the caller
// gave up, the store is closed, another process holds the lock). SQLite
// keeps some failures on the connection: one opened while the file was
// read-only stays read-only after the file is writable again, and a
// transaction whose COMMIT failed may stay open, so that every later BEGIN
// fails. Replacing the connection is what lets the store recover without a
// restart.
//
// A write that failed for want of room (SQLITE_FULL) is also recorded for
// Health until a write succeeds.
func (s *Store) writeFailed(ctx context.Context, op string, err error) error {
	if ctx.Err() == nil && !s.closed.Load() {
		code := sqliteCode(err) & 0xff
		switch code {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_CONSTRAINT:
		default:
			s.writerSuspect.Store(true)
		}
		if code == sqlite3.SQLITE_FULL {
			s.faultMu.Lock()
			s.faultAt, s.faultErr = time.Now(), err
			s.hasFault.Store(true)
			s.faultMu.Unlock()
		}
	}
	return s.fail(ctx, op, err)
}

// defaultFaultWindow is how long Health reports a failed write when no
// write succeeded since: long enough for readiness probes to see it, short
// enough that an idle server whose fault cleared becomes ready again
// without traffic.
const defaultFaultWindow = 10 * time.Second

// writeSucceeded forgets the last failed write: the database takes writes.
func (s *Store) writeSucceeded() {
	if !s.hasFault.Load() {
		return
	}
	s.faultMu.Lock()
	s.faultAt, s.faultErr = time.Time{}, nil
	s.hasFault.Store(false)
	s.faultMu.Unlock()
}

// recentFault returns the last failed write when it is within faultWindow
// and no write succeeded since.
func (s *Store) recentFault() error {
	if !s.hasFault.Load() {
		return nil
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.faultErr == nil || time.Since(s.faultAt) > s.faultWindow {
		return nil
	}
	return fmt.Errorf("a write failed %s ago: %w", time.Since(s.faultAt).Round(time.Millisecond), s.faultErr)
}

// reviveWriter replaces the writer connection when a write marked it
// suspect. It runs before a write, never while the connection is in use by
// the caller; the next use of the pool opens a fresh connection (with the
// pragmas of its DSN, the prepared statements re-prepared on demand). If the
// fault persists the fresh connection fails too and is replaced again on
// the following write.
func (s *Store) reviveWriter(ctx context.Context) {
	if !s.writerSuspect.CompareAndSwap(true, false) {
		return
	}
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		s.writerSuspect.Store(true)
		return
	}
	// Returning driver.ErrBadConn from Raw makes database/sql close the
	// connection instead of putting it back in the pool.
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// Stats are the connection pool statistics, for metrics.
type Stats struct {
	Writer, Reader sql.DBStats
}

// Stats returns the statistics of the writer and the read pool.
func (s *Store) Stats() Stats {
	return Stats{Writer: s.writer.Stats(), Reader: s.reader.Stats()}
}

func (s *Store) scan(row *sql.Row) (sdk.Client, error) {
	var (
		rev  int64
		data []byte
	)
	if err := row.Scan(&rev, &data); err != nil {
		return sdk.Client{}, err
	}
	var c sdk.Client
	if err := json.Unmarshal(data, &c); err != nil {
		return sdk.Client{}, fmt.Errorf("%w: %w", errDecode, err)
	}
	c.Revision = rev
	return c, nil
}

// check refuses a call on a closed store or with a done context before any
// work, so neither is ever mistaken for an answer about the data.
func (s *Store) check(ctx context.Context, op string) error {
	if s.closed.Load() {
		return s.fail(ctx, op, errClosed)
	}
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// fail classifies an error that is not an answer about the data: the
// context's own error when the caller gave up (a deadline is also
// sdk.ErrUnavailable: the store did not answer in time), sdk.ErrUnavailable
// wrapping the cause otherwise (closed pool, I/O error, lock timeout, ...).
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("%w: sqlite: %s: %w", sdk.ErrUnavailable, op, cerr)
		}
		return fmt.Errorf("sqlite: %s: %w", op, cerr)
	}
	if s.closed.Load() {
		return fmt.Errorf("%w: sqlite: %s: %w", sdk.ErrUnavailable, op, errClosed)
	}
	return fmt.Errorf("%w: sqlite: %s: %w", sdk.ErrUnavailable, op, err)
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// emptyMetadata is how json.Marshal writes the metadata member of a client
// without metadata.
var emptyMetadata = []byte(`"metadata":{}`)

// encodeClient returns what json.Marshal(c) returns, without the second
// pass encoding/json makes over the output of Metadata.MarshalJSON (a
// third of the cost of encoding a record).
func encodeClient(c sdk.Client) ([]byte, error) {
	md, err := c.Metadata.MarshalJSON()
	if err != nil {
		return nil, err
	}
	c.Metadata = sdk.Metadata{}
	head, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(head, emptyMetadata)
	if i < 0 {
		return nil, errors.New("sqlite: encode client: no metadata member")
	}
	i += len(emptyMetadata) - 2
	out := make([]byte, 0, len(head)+len(md))
	out = append(out, head[:i]...)
	out = append(out, md...)
	return append(out, head[i+2:]...), nil
}

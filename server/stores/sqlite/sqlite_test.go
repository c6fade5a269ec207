package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/storetest"
)

func openTemp(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "registrar.db")
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sdk.Store {
		s, _ := openTemp(t, Options{})
		return s
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.db")
	ctx := t.Context()

	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.Create(ctx, storetest.SampleClient("client-persist"))
	if err != nil {
		t.Fatal(err)
	}
	updated := created
	updated.Metadata.ClientName = "updated before reopen"
	if updated, err = s.Update(ctx, updated); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for range 2 {
		s, err = Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		got, err := s.Get(ctx, "client-persist")
		if err != nil {
			t.Fatalf("Get after reopen: %v", err)
		}
		if d := storetest.Diff(updated, got); d != "" {
			t.Fatalf("record changed across reopen:\n%s", d)
		}
		if got, err := s.GetByRegistrationToken(ctx, updated.RegistrationTokenHash); err != nil || got.ID != updated.ID {
			t.Fatalf("GetByRegistrationToken after reopen: %v, %v", got.ID, err)
		}
		assertSchemaVersion(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func assertSchemaVersion(t *testing.T, s *Store) {
	t.Helper()
	var maxVersion, count int
	err := s.reader.QueryRowContext(t.Context(), `SELECT MAX(version), COUNT(*) FROM schema_migrations`).Scan(&maxVersion, &count)
	if err != nil {
		t.Fatal(err)
	}
	if maxVersion != SchemaVersion() || count != SchemaVersion() {
		t.Fatalf("schema_migrations: max version %d, %d rows; want %d and %d", maxVersion, count, SchemaVersion(), SchemaVersion())
	}
}

// TestMigrateFromVersion1 upgrades a database written by a binary that
// knew migration 1 only: the clients are kept, the new tables work.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.db")
	ctx := t.Context()
	old, err := sql.Open("sqlite", dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	c := storetest.SampleClient("client-v1")
	c.Revision = 3
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if _, err := old.ExecContext(ctx, insertSQL, c.ID, c.RegistrationTokenHash, c.Profile, c.IssuedAt, c.UpdatedAt, data); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `UPDATE clients SET revision = 3`); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	defer s.Close()
	assertSchemaVersion(t, s)
	got, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := storetest.Diff(c, got); d != "" {
		t.Fatalf("client changed by the migration:\n%s", d)
	}
	if n, err := s.CountClients(ctx, c.Profile); n != 1 || err != nil {
		t.Fatalf("CountClients after the migration = %d, %v; want 1", n, err)
	}
	if _, err := s.CreateToken(ctx, storetest.SampleToken("iat-1")); err != nil {
		t.Fatalf("CreateToken after the migration: %v", err)
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti", 200, 100); err != nil {
		t.Fatalf("MarkJTIUsed after the migration: %v", err)
	}
}

func TestSchemaMigrations(t *testing.T) {
	s, path := openTemp(t, Options{})
	if SchemaVersion() != len(migrations) || SchemaVersion() < 1 {
		t.Fatalf("SchemaVersion() = %d with %d migrations", SchemaVersion(), len(migrations))
	}
	assertSchemaVersion(t, s)

	for _, name := range []string{"clients", "schema_migrations", "initial_access_tokens", "jti", "heartbeat"} {
		var n int
		if err := s.reader.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v", name, n, err)
		}
	}

	// A database migrated by a newer binary is refused, not used.
	if _, err := s.writer.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(t.Context(), path, Options{}); err == nil {
		s2.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

func TestConnectionPools(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      Options
		wantReads int
	}{
		{"defaults", Options{}, 4},
		{"two readers", Options{ReadConns: 2}, 2},
		{"negative means default", Options{ReadConns: -1}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t, tc.opts)
			st := s.Stats()
			if st.Writer.MaxOpenConnections != 1 {
				t.Errorf("writer MaxOpenConnections = %d, want 1", st.Writer.MaxOpenConnections)
			}
			if st.Reader.MaxOpenConnections != tc.wantReads {
				t.Errorf("reader MaxOpenConnections = %d, want %d", st.Reader.MaxOpenConnections, tc.wantReads)
			}
		})
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTemp(t, Options{BusyTimeout: 1500 * time.Millisecond})
	for _, tc := range []struct {
		pool, pragma, want string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "synchronous", "1"}, // NORMAL
		{"writer", "busy_timeout", "1500"},
		{"writer", "foreign_keys", "1"},
		{"writer", "query_only", "0"},
		{"reader", "journal_mode", "wal"},
		{"reader", "busy_timeout", "1500"},
		{"reader", "query_only", "1"},
	} {
		db := s.writer
		if tc.pool == "reader" {
			db = s.reader
		}
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: PRAGMA %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s: PRAGMA %s = %q, want %q", tc.pool, tc.pragma, got, tc.want)
		}
	}

	if _, err := s.reader.ExecContext(t.Context(), `DELETE FROM clients`); err == nil {
		t.Error("a write on the read pool succeeded")
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s, _ := openTemp(t, Options{})
	c, err := s.Create(t.Context(), storetest.SampleClient("client-closed"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(t.Context(), storetest.SampleToken("iat-closed"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	ctx := t.Context()
	calls := map[string]func() error{
		"Create": func() error { _, err := s.Create(ctx, storetest.SampleClient("client-new")); return err },
		"Get":    func() error { _, err := s.Get(ctx, c.ID); return err },
		"Get unknown": func() error {
			_, err := s.Get(ctx, "client-unknown")
			return err
		},
		"GetByRegistrationToken": func() error {
			_, err := s.GetByRegistrationToken(ctx, c.RegistrationTokenHash)
			return err
		},
		"GetByRegistrationToken empty": func() error {
			_, err := s.GetByRegistrationToken(ctx, "")
			return err
		},
		"Update":       func() error { _, err := s.Update(ctx, c); return err },
		"Delete":       func() error { return s.Delete(ctx, c.ID, c.Revision) },
		"CountClients": func() error { _, err := s.CountClients(ctx, c.Profile); return err },
		"CreateToken":  func() error { _, err := s.CreateToken(ctx, storetest.SampleToken("iat-new")); return err },
		"GetToken":     func() error { _, err := s.GetToken(ctx, tok.Hash); return err },
		"GetToken empty": func() error {
			_, err := s.GetToken(ctx, "")
			return err
		},
		"ListTokens":  func() error { _, err := s.ListTokens(ctx); return err },
		"UpdateToken": func() error { _, err := s.UpdateToken(ctx, tok); return err },
		"MarkJTIUsed": func() error { return s.MarkJTIUsed(ctx, "iss\x00jti", 200, 100) },
		"Health":      func() error { return s.Health(ctx) },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("%s on a closed store: %v, want ErrUnavailable", name, err)
		}
		if errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("%s on a closed store reports ErrNotFound", name)
		}
	}
}

// TestBrokenPoolIsUnavailable closes the pools under the store, as an
// outage would, and checks nothing reports ErrNotFound.
func TestBrokenPoolIsUnavailable(t *testing.T) {
	s, _ := openTemp(t, Options{})
	c, err := s.Create(t.Context(), storetest.SampleClient("client-broken"))
	if err != nil {
		t.Fatal(err)
	}
	s.reader.Close()
	s.writer.Close()
	_, err = s.Get(t.Context(), c.ID)
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Get on a broken pool: %v, want ErrUnavailable", err)
	}
	_, err = s.Create(t.Context(), storetest.SampleClient("client-new"))
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Create on a broken pool: %v, want ErrUnavailable", err)
	}
	if err := s.Delete(t.Context(), c.ID, 1); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Delete on a broken pool: %v, want ErrUnavailable", err)
	}
	if _, err := s.GetToken(t.Context(), storetest.TokenHash("x")); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("GetToken on a broken pool: %v, want ErrUnavailable", err)
	}
	if _, err := s.ListTokens(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("ListTokens on a broken pool: %v, want ErrUnavailable", err)
	}
	if _, err := s.CountClients(t.Context(), "partners"); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("CountClients on a broken pool: %v, want ErrUnavailable", err)
	}
	if err := s.MarkJTIUsed(t.Context(), "k", 2, 1); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("MarkJTIUsed on a broken pool: %v, want ErrUnavailable", err)
	}
	if _, err := s.UpdateToken(t.Context(), storetest.SampleToken("iat-1")); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("UpdateToken on a broken pool: %v, want ErrUnavailable", err)
	}
}

func TestContextErrors(t *testing.T) {
	s, _ := openTemp(t, Options{})
	c, err := s.Create(t.Context(), storetest.SampleClient("client-ctx"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(t.Context(), storetest.SampleToken("iat-ctx"))
	if err != nil {
		t.Fatal(err)
	}

	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()

	for _, tc := range []struct {
		name            string
		ctx             context.Context
		want            error
		wantUnavailable bool
	}{
		{"canceled", canceled, context.Canceled, false},
		{"deadline exceeded", expired, context.DeadlineExceeded, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := map[string]error{}
			_, errs["Create"] = s.Create(tc.ctx, storetest.SampleClient("client-ctx-new"))
			_, errs["Get"] = s.Get(tc.ctx, c.ID)
			_, errs["GetByRegistrationToken"] = s.GetByRegistrationToken(tc.ctx, c.RegistrationTokenHash)
			_, errs["Update"] = s.Update(tc.ctx, c)
			errs["Delete"] = s.Delete(tc.ctx, c.ID, c.Revision)
			_, errs["CountClients"] = s.CountClients(tc.ctx, c.Profile)
			_, errs["CreateToken"] = s.CreateToken(tc.ctx, storetest.SampleToken("iat-ctx-new"))
			_, errs["GetToken"] = s.GetToken(tc.ctx, tok.Hash)
			_, errs["ListTokens"] = s.ListTokens(tc.ctx)
			_, errs["UpdateToken"] = s.UpdateToken(tc.ctx, tok)
			errs["MarkJTIUsed"] = s.MarkJTIUsed(tc.ctx, "iss\x00jti", 200, 100)
			for name, err := range errs {
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: %v, want %v", name, err, tc.want)
				}
				if errors.Is(err, sdk.ErrUnavailable) != tc.wantUnavailable {
					t.Errorf("%s: %v: ErrUnavailable is %v, want %v", name, err, !tc.wantUnavailable, tc.wantUnavailable)
				}
			}
		})
	}
}

func TestTokenHashCollision(t *testing.T) {
	s, _ := openTemp(t, Options{})
	ctx := t.Context()
	a, err := s.Create(ctx, storetest.SampleClient("client-a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(ctx, storetest.SampleClient("client-b"))
	if err != nil {
		t.Fatal(err)
	}

	// Another client_id with a's hash: not "already exists".
	c := storetest.SampleClient("client-c")
	c.RegistrationTokenHash = a.RegistrationTokenHash
	_, err = s.Create(ctx, c)
	if !errors.Is(err, ErrTokenHashInUse) || errors.Is(err, sdk.ErrAlreadyExists) {
		t.Errorf("Create with a taken hash: %v, want ErrTokenHashInUse", err)
	}
	if _, err := s.Get(ctx, "client-c"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Get of the refused client: %v", err)
	}

	// The same client_id and the same hash: the client_id wins.
	_, err = s.Create(ctx, storetest.SampleClient("client-a"))
	if !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Errorf("Create of a duplicate record: %v, want ErrAlreadyExists", err)
	}

	// Updating b to a's hash is refused and changes nothing.
	b2 := b
	b2.RegistrationTokenHash = a.RegistrationTokenHash
	b2.Metadata.ClientName = "stolen"
	_, err = s.Update(ctx, b2)
	if !errors.Is(err, ErrTokenHashInUse) || errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Update to a taken hash: %v, want ErrTokenHashInUse", err)
	}
	got, err := s.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := storetest.Diff(b, got); d != "" {
		t.Errorf("refused Update changed the record:\n%s", d)
	}
}

func TestQueryPlansUseIndexes(t *testing.T) {
	s, _ := openTemp(t, Options{})
	for _, tc := range []struct{ query, index string }{
		{getSQL, "sqlite_autoindex_clients_1"},
		{getByTokenSQL, "clients_registration_token_hash"},
		{updateSQL, "sqlite_autoindex_clients_1"},
		{deleteSQL, "sqlite_autoindex_clients_1"},
		{countClientsSQL, "clients_profile"},
		{tokenGetSQL, "sqlite_autoindex_initial_access_tokens_2"},
		{tokenListSQL, "initial_access_tokens_created_at"},
		{tokenUpdateSQL, "sqlite_autoindex_initial_access_tokens_"}, // the id's or the hash's: both unique
		{tokenStateSQL, "sqlite_autoindex_initial_access_tokens_1"},
	} {
		args := make([]any, strings.Count(tc.query, "?"))
		for i := range args {
			args[i] = "x"
		}
		rows, err := s.writer.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tc.query, args...)
		if err != nil {
			t.Fatalf("EXPLAIN %q: %v", tc.query, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, tc.index) {
			t.Errorf("plan of %q is %q, want it to use %s", tc.query, p, tc.index)
		}
	}
}

func TestOpenRefusesNonFilePaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:registrar.db?mode=memory"} {
		if s, err := Open(t.Context(), path, Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "missing", "dir", "x.db"), Options{}); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

func TestFileModeAndAwkwardPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "régistrar.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Create(t.Context(), storetest.SampleClient("client-1")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatalf("the database is not at the given path: %v", err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(name), perm)
		}
	}
}

func TestCorruptRecordIsNotNotFound(t *testing.T) {
	s, _ := openTemp(t, Options{})
	c, err := s.Create(t.Context(), storetest.SampleClient("client-corrupt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec(`UPDATE clients SET data = '{not json' WHERE client_id = ?`, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(t.Context(), c.ID)
	if err == nil || errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Get of a corrupt record: %v, want a plain error", err)
	}
}

// TestCorruptTokenIsNotNotFound: a token row that does not hold what the
// schema says is a plain error, neither ErrNotFound nor ErrUnavailable.
func TestCorruptTokenIsNotNotFound(t *testing.T) {
	s, _ := openTemp(t, Options{})
	tok, err := s.CreateToken(t.Context(), storetest.SampleToken("iat-corrupt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec(`UPDATE initial_access_tokens SET uses = 'many' WHERE id = ?`, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetToken(t.Context(), tok.Hash)
	if err == nil || errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("GetToken of a corrupt record: %v, want a plain error", err)
	}
	_, err = s.ListTokens(t.Context())
	if err == nil || errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("ListTokens with a corrupt record: %v, want a plain error", err)
	}
}

// TestTokenHashChanged: the refusal of a changed hash is ErrTokenHashChanged,
// and a stale revision is reported first.
func TestTokenHashChanged(t *testing.T) {
	s, _ := openTemp(t, Options{})
	tok, err := s.CreateToken(t.Context(), storetest.SampleToken("iat-1"))
	if err != nil {
		t.Fatal(err)
	}
	changed := tok
	changed.Hash = storetest.TokenHash("other")
	if _, err := s.UpdateToken(t.Context(), changed); !errors.Is(err, ErrTokenHashChanged) {
		t.Errorf("UpdateToken with another hash: %v, want ErrTokenHashChanged", err)
	}
	changed.Revision = 9
	if _, err := s.UpdateToken(t.Context(), changed); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("stale UpdateToken with another hash: %v, want ErrConflict", err)
	}
}

// TestCreateBatch runs one group-commit batch directly: each record gets
// its own answer, as if the inserts had run one after another.
func TestCreateBatch(t *testing.T) {
	s, _ := openTemp(t, Options{})
	canceled, cancel := context.WithCancel(t.Context())
	cancel()

	req := func(ctx context.Context, c sdk.Client) *createReq {
		c.Revision = 1
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return &createReq{ctx: ctx, c: &c, data: data, done: make(chan error, 1)}
	}
	a := storetest.SampleClient("client-a")
	stealer := storetest.SampleClient("client-c")
	stealer.RegistrationTokenHash = a.RegistrationTokenHash
	batch := []*createReq{
		req(t.Context(), a),
		req(canceled, storetest.SampleClient("client-b")),
		req(t.Context(), storetest.SampleClient("client-a")),
		req(t.Context(), stealer),
		req(t.Context(), storetest.SampleClient("client-d")),
	}
	s.insertBatch(batch)
	want := []error{nil, context.Canceled, sdk.ErrAlreadyExists, ErrTokenHashInUse, nil}
	for i, r := range batch {
		err := <-r.done
		if (want[i] == nil) != (err == nil) || (want[i] != nil && !errors.Is(err, want[i])) {
			t.Errorf("record %d (%s): %v, want %v", i, r.c.ID, err, want[i])
		}
	}
	for id, stored := range map[string]bool{"client-a": true, "client-b": false, "client-c": false, "client-d": true} {
		_, err := s.Get(t.Context(), id)
		if stored && err != nil {
			t.Errorf("Get(%s): %v", id, err)
		}
		if !stored && !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Get(%s): %v, want ErrNotFound", id, err)
		}
	}
}

// TestCreateBatchDatabaseFailure: when the database fails, every record of
// the batch gets ErrUnavailable.
func TestCreateBatchDatabaseFailure(t *testing.T) {
	s, _ := openTemp(t, Options{})
	var batch []*createReq
	for _, id := range []string{"client-1", "client-2", "client-3"} {
		c := storetest.SampleClient(id)
		batch = append(batch, &createReq{ctx: t.Context(), c: &c, data: []byte(`{}`), done: make(chan error, 1)})
	}
	s.writer.Close()
	s.insertBatch(batch)
	for i, r := range batch {
		if err := <-r.done; !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("record %d: %v, want ErrUnavailable", i, err)
		}
	}
}

// TestCloseDuringCreates closes the store under concurrent Creates: every
// Create that succeeded is in the file, every other one failed with
// ErrUnavailable and is not, and nothing hangs.
func TestCloseDuringCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 64
	errs := make([]error, n)
	var wg sync.WaitGroup
	started := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == n/2 {
				close(started)
			}
			_, errs[i] = s.Create(context.Background(), typicalClient(fmt.Sprintf("client-%02d", i)))
		}()
	}
	<-started
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	s, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, cerr := range errs {
		_, gerr := s.Get(t.Context(), fmt.Sprintf("client-%02d", i))
		switch {
		case cerr == nil && gerr != nil:
			t.Errorf("client %d: Create succeeded, then Get: %v", i, gerr)
		case cerr != nil && !errors.Is(cerr, sdk.ErrUnavailable):
			t.Errorf("client %d: Create: %v, want success or ErrUnavailable", i, cerr)
		case cerr != nil && !errors.Is(gerr, sdk.ErrNotFound):
			t.Errorf("client %d: Create failed (%v) but Get: %v", i, cerr, gerr)
		}
	}
}

// typicalClient is the record of a typical registration: a native MCP
// client with a loopback redirect and no secret (about 500 bytes of JSON,
// against 3.5 kB for storetest.SampleClient).
func typicalClient(id string) sdk.Client {
	return sdk.Client{
		ID: id,
		Metadata: sdk.Metadata{
			RedirectURIs:            []string{"http://127.0.0.1:33418/callback"},
			TokenEndpointAuthMethod: "none",
			GrantTypes:              []string{"authorization_code", "refresh_token"},
			ResponseTypes:           []string{"code"},
			ClientName:              "Example MCP client",
			Scope:                   "openid profile mcp:tools",
			ApplicationType:         "native",
		},
		IssuedAt:              1700000000,
		RegistrationTokenHash: storetest.TokenHash("rat:" + id),
		Profile:               "anonymous",
		UpdatedAt:             1700000000,
	}
}

var benchRecords = []struct {
	name  string
	build func(id string) sdk.Client
}{
	{"typical", typicalClient},
	{"sample", storetest.SampleClient},
}

// BenchmarkCreate measures Create from concurrent goroutines, the server's
// shape: many requests in flight (8 per CPU), one writer connection, group
// commit. The serial variant is the latency of a lone Create.
func BenchmarkCreate(b *testing.B) {
	for _, rec := range benchRecords {
		for _, par := range []int{0, 8} {
			name := rec.name + "/serial"
			if par > 0 {
				name = rec.name + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				s, _ := openTemp(b, Options{})
				base := rec.build("bench")
				var n atomic.Int64
				create := func() {
					c := base
					c.ID = "client-" + strconv.FormatInt(n.Add(1), 10)
					c.RegistrationTokenHash = "rat:" + c.ID
					if _, err := s.Create(context.Background(), c); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				if par == 0 {
					for b.Loop() {
						create()
					}
					return
				}
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						create()
					}
				})
			})
		}
	}
}

// BenchmarkGet measures Get from concurrent goroutines on the read pool.
func BenchmarkGet(b *testing.B) {
	for _, rec := range benchRecords {
		b.Run(rec.name, func(b *testing.B) {
			s, _ := openTemp(b, Options{})
			const clients = 1000
			for i := range clients {
				if _, err := s.Create(context.Background(), rec.build("client-"+strconv.Itoa(i))); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					id := "client-" + strconv.FormatInt(n.Add(1)%clients, 10)
					if _, err := s.Get(ctx, id); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func TestEncodeClientMatchesEncodingJSON(t *testing.T) {
	for _, c := range []sdk.Client{{}, storetest.SampleClient("every-field"), {ID: "x", Metadata: sdk.Metadata{ClientName: `"metadata":{}`}}} {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeClient(c)
		if err != nil {
			t.Fatal(err)
		}
		// The same JSON value; only the HTML escaping that encoding/json's
		// second pass adds inside extension members may differ.
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("encodeClient(%q) is not JSON: %v", c.ID, err)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("encodeClient(%q):\ngot  %s\nwant %s", c.ID, got, want)
		}
		var back sdk.Client
		if err := json.Unmarshal(got, &back); err != nil || !bytes.Contains(got, []byte(`"metadata":{`)) {
			t.Errorf("encodeClient(%q) does not decode as a client: %v", c.ID, err)
		}
	}
}

func TestPruneJTI(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for key, exp := range map[string]int64{"old": 100, "edge": 200, "live": 300} {
		if err := s.MarkJTIUsed(ctx, key, exp, 50); err != nil {
			t.Fatal(err)
		}
	}
	s.pruneJTI(time.Unix(200, 0))
	var keys []string
	rows, err := s.reader.QueryContext(ctx, `SELECT jti_key FROM jti ORDER BY jti_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	if !reflect.DeepEqual(keys, []string{"live"}) {
		t.Fatalf("after prune at 200: %v, want [live]", keys)
	}
	// The live record still refuses a replay.
	if err := s.MarkJTIUsed(ctx, "live", 400, 250); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Fatalf("replay after prune: %v", err)
	}
}

// writerFaults emulate a database the writer cannot write: every writer
// connection opened for a path in the set runs the path's pragma first.
// "PRAGMA query_only = 1" is a file that is read-only (SQLite opens a
// read-write connection on a file it cannot write read-only, silently);
// "PRAGMA max_page_count = N" a disk that is full. It works when the tests
// run as root, where chmod would not.
var writerFaults struct {
	once  sync.Once
	mu    sync.Mutex
	paths map[string]string // dsn prefix -> pragma
}

// setWriterFault makes the writer connections of the store at path run
// pragma when they open; "" clears the fault.
func setWriterFault(t *testing.T, path, pragma string) {
	t.Helper()
	writerFaults.once.Do(func() {
		writerFaults.paths = map[string]string{}
		msqlite.RegisterConnectionHook(func(c msqlite.ExecQuerierContext, dsn string) error {
			if !strings.Contains(dsn, "_txlock=immediate") { // the writer's DSN
				return nil
			}
			writerFaults.mu.Lock()
			var pragma string
			for p, pr := range writerFaults.paths {
				if strings.HasPrefix(dsn, p+"?") {
					pragma = pr
				}
			}
			writerFaults.mu.Unlock()
			if pragma == "" {
				return nil
			}
			_, err := c.ExecContext(context.Background(), pragma, nil)
			return err
		})
	})
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	writerFaults.mu.Lock()
	writerFaults.paths[dsn(abs, nil)] = pragma
	writerFaults.mu.Unlock()
}

// TestWriterRecoversFromReadOnlyFile: while the database cannot be written,
// Health fails (SELECT 1 would pass) and every write is ErrUnavailable;
// once it can be written again, Health passes and writes succeed without a
// restart (the writer connection, opened read-only, is replaced).
func TestWriterRecoversFromReadOnlyFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		// connection applies the fault to the connection already open:
		// true for a connection that is read-only now, false for a fault
		// that only new connections see (the file became read-only and
		// the connection was replaced).
		connection bool
	}{
		{name: "open connection read-only", connection: true},
		{name: "reopened while read-only", connection: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			s, path := openTemp(t, Options{})
			c, err := s.Create(ctx, storetest.SampleClient("client-ro"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Health(ctx); err != nil {
				t.Fatalf("Health before the fault: %v", err)
			}

			setWriterFault(t, path, "PRAGMA query_only = 1")
			t.Cleanup(func() { setWriterFault(t, path, "") })
			if tc.connection {
				if _, err := s.writer.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
					t.Fatal(err)
				}
			} else {
				s.writerSuspect.Store(true) // as after a failed write
			}
			writes := map[string]func() error{
				"Create": func() error { _, err := s.Create(ctx, storetest.SampleClient("client-ro-new")); return err },
				"Update": func() error { _, err := s.Update(ctx, c); return err },
				"Delete": func() error { return s.Delete(ctx, c.ID, c.Revision) },
				"CreateToken": func() error {
					_, err := s.CreateToken(ctx, storetest.SampleToken("iat-ro"))
					return err
				},
				"MarkJTIUsed": func() error { return s.MarkJTIUsed(ctx, "iss\x00ro", 200, 100) },
				"Health":      func() error { return s.Health(ctx) },
			}
			for round := range 2 { // the replaced connection is read-only too
				for name, write := range writes {
					if err := write(); !errors.Is(err, sdk.ErrUnavailable) {
						t.Fatalf("round %d: %s while read-only: %v, want ErrUnavailable", round, name, err)
					}
				}
			}
			if _, err := s.Get(ctx, c.ID); err != nil {
				t.Errorf("Get while read-only: %v", err)
			}

			setWriterFault(t, path, "")
			if err := s.Health(ctx); err != nil {
				t.Fatalf("Health after the fault cleared: %v", err)
			}
			if _, err := s.Create(ctx, storetest.SampleClient("client-ro-after")); err != nil {
				t.Errorf("Create after the fault cleared: %v", err)
			}
			if c, err = s.Update(ctx, c); err != nil {
				t.Errorf("Update after the fault cleared: %v", err)
			}
			if _, err := s.CreateToken(ctx, storetest.SampleToken("iat-ro-after")); err != nil {
				t.Errorf("CreateToken after the fault cleared: %v", err)
			}
			if err := s.MarkJTIUsed(ctx, "iss\x00ro-after", 200, 100); err != nil {
				t.Errorf("MarkJTIUsed after the fault cleared: %v", err)
			}
		})
	}
}

// TestHealthReportsFailedWrites: on a full disk the heartbeat may still
// commit (it rewrites a page, where a registration needs new ones); Health
// reports the writes that failed, until one succeeds or, idle, for the
// fault window.
func TestHealthReportsFailedWrites(t *testing.T) {
	ctx := t.Context()
	s, path := openTemp(t, Options{})
	var pages int64
	if err := s.reader.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	setWriterFault(t, path, fmt.Sprintf("PRAGMA max_page_count = %d", pages))
	t.Cleanup(func() { setWriterFault(t, path, "") })
	s.writerSuspect.Store(true) // the connection is replaced by one that sees the fault
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health before any write failed: %v (the heartbeat needs no new page)", err)
	}
	var full error
	for i := range 100 {
		c := typicalClient(fmt.Sprintf("client-full-%d", i))
		if _, full = s.Create(ctx, c); full != nil {
			break
		}
	}
	if !errors.Is(full, sdk.ErrUnavailable) {
		t.Fatalf("creates on a full database: %v, want ErrUnavailable", full)
	}
	for range 2 {
		if err := s.Health(ctx); !errors.Is(err, sdk.ErrUnavailable) || !strings.Contains(err.Error(), "full") {
			t.Fatalf("Health after a write failed: %v, want ErrUnavailable naming the cause", err)
		}
	}

	setWriterFault(t, path, "")
	// The emulated fault lives on the connection, which Health's
	// heartbeat does not find broken; a full disk does not. The failed
	// create marked the connection for replacement; do so again.
	s.writerSuspect.Store(true)
	if _, err := s.Create(ctx, typicalClient("client-after-full")); err != nil {
		t.Fatalf("Create after the fault cleared: %v", err)
	}
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health after a write succeeded: %v", err)
	}

	// Idle after a failure: readiness comes back after the window.
	s.faultWindow = 50 * time.Millisecond
	if err := s.reader.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	setWriterFault(t, path, fmt.Sprintf("PRAGMA max_page_count = %d", pages))
	s.writerSuspect.Store(true)
	full = nil
	for i := range 100 {
		if _, full = s.Create(ctx, typicalClient(fmt.Sprintf("client-full-again-%d", i))); full != nil {
			break
		}
	}
	if !errors.Is(full, sdk.ErrUnavailable) {
		t.Fatalf("creates on a full database: %v, want ErrUnavailable", full)
	}
	if err := s.Health(ctx); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Health within the window: %v, want ErrUnavailable", err)
	}
	time.Sleep(60 * time.Millisecond)
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health after the window, idle: %v", err)
	}
}

// TestHealthWrites: Health commits on the writer (the heartbeat row), so a
// writer that cannot write is not healthy.
func TestHealthWrites(t *testing.T) {
	s, _ := openTemp(t, Options{})
	for range 2 {
		if err := s.Health(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var at int64
	if err := s.reader.QueryRowContext(t.Context(), `SELECT COUNT(*), MAX(at) FROM heartbeat`).Scan(&n, &at); err != nil {
		t.Fatal(err)
	}
	if n != 1 || at < time.Now().Add(-time.Minute).Unix() {
		t.Errorf("heartbeat: %d rows, at %d; want one recent row", n, at)
	}
}

// BenchmarkHealth measures a readiness probe of the store: one heartbeat
// commit on the writer and one query on the read pool.
func BenchmarkHealth(b *testing.B) {
	s, _ := openTemp(b, Options{})
	ctx := context.Background()
	for b.Loop() {
		if err := s.Health(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

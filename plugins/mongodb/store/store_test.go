package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
	"github.com/registrar-dcr/registrar/plugins/mongodb/store"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/storetest"
)

func TestConformance(t *testing.T) {
	srv := newServer(t)
	storetest.Run(t, func(t *testing.T) sdk.Store {
		s, _ := srv.open(t, nil)
		return s
	})
}

func TestUnconfigured(t *testing.T) {
	s := store.New(nil)
	ctx := t.Context()
	_, err := s.Get(ctx, "x")
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Get before Configure: %v, want ErrUnavailable", err)
	}
	if err := s.Health(ctx); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Health before Configure: %v, want ErrUnavailable", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close of an unconfigured store: %v", err)
	}
}

// TestDocumentLayout checks the stored documents: an operator's tools and
// the indexes rely on the field names and types.
func TestDocumentLayout(t *testing.T) {
	srv := newServer(t)
	s, db := srv.open(t, nil)
	ctx := t.Context()
	live, err := s.Create(ctx, storetest.SampleClient("client-live"))
	if err != nil {
		t.Fatal(err)
	}
	revoked := storetest.SampleClient("client-revoked")
	revoked.RegistrationTokenHash = ""
	if _, err := s.Create(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	coll := srv.admin.Database(db).Collection(store.DefaultClientsCollection)

	var doc bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "client-live"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"_id": "client-live", "token_hash": live.RegistrationTokenHash, "profile": "partners",
		"revision": int64(1), "issued_at": live.IssuedAt, "updated_at": live.UpdatedAt,
	}
	for k, v := range want {
		if got := doc[k]; fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("field %s = %v (%T), want %v", k, got, got, v)
		}
	}
	if data, ok := doc["data"].(string); !ok || !strings.Contains(data, `"x_big_int":9007199254740993`) {
		t.Errorf("data is not the client's JSON: %T %.80v", doc["data"], doc["data"])
	}

	doc = nil
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "client-revoked"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["token_hash"]; ok {
		t.Errorf("a revoked client stores token_hash %v; it must be absent so the unique index skips it", doc["token_hash"])
	}
}

// TestTokenAndJTIDocumentLayout checks the stored initial access token and
// jti documents: operators' tools, the indexes and the TTL rely on them.
func TestTokenAndJTIDocumentLayout(t *testing.T) {
	srv := newServer(t)
	s, db := srv.open(t, nil)
	ctx := t.Context()
	tok, err := s.CreateToken(ctx, storetest.SampleToken("iat-doc"))
	if err != nil {
		t.Fatal(err)
	}
	var doc bson.M
	if err := srv.admin.Database(db).Collection(store.DefaultTokensCollection).
		FindOne(ctx, bson.D{{Key: "_id", Value: tok.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	want := bson.M{
		"_id": tok.ID, "hash": tok.Hash, "profile": tok.Profile, "description": tok.Description,
		"created_at": tok.CreatedAt, "expires_at": tok.ExpiresAt, "max_uses": tok.MaxUses, "uses": tok.Uses,
		"revoked": true, "revision": int64(1),
	}
	if len(doc) != len(want) {
		t.Errorf("token document has fields %v, want %v", doc, want)
	}
	for k, v := range want {
		if got := doc[k]; got != v {
			t.Errorf("token field %s = %v (%T), want %v (%T)", k, got, got, v, v)
		}
	}

	const expiresAt = 4102444800 // 2100-01-01T00:00:00Z
	if err := s.MarkJTIUsed(ctx, "https://ssa.example.com\x00jti-1", expiresAt, 1700000000); err != nil {
		t.Fatal(err)
	}
	doc = nil
	if err := srv.admin.Database(db).Collection(store.DefaultJTICollection).
		FindOne(ctx, bson.D{{Key: "_id", Value: "https://ssa.example.com\x00jti-1"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if got := doc["expires_at"]; got != int64(expiresAt) {
		t.Errorf("jti expires_at = %v (%T), want %d", got, got, expiresAt)
	}
	if got, ok := doc["expire_at"].(bson.DateTime); !ok || got.Time().Unix() != expiresAt {
		t.Errorf("jti expire_at = %v (%T), want the date of %d for the TTL index", doc["expire_at"], doc["expire_at"], expiresAt)
	}
}

// TestUpdateTokenHashChanged: the refusal of a changed hash is
// ErrTokenHashChanged, a stale revision is reported first, and a corrupt
// token document is a plain error, never ErrNotFound or an outage.
func TestUpdateTokenHashChanged(t *testing.T) {
	srv := newServer(t)
	s, db := srv.open(t, nil)
	ctx := t.Context()
	tok, err := s.CreateToken(ctx, storetest.SampleToken("iat-1"))
	if err != nil {
		t.Fatal(err)
	}
	changed := tok
	changed.Hash = storetest.TokenHash("other")
	if _, err := s.UpdateToken(ctx, changed); !errors.Is(err, store.ErrTokenHashChanged) {
		t.Errorf("UpdateToken with another hash: %v, want ErrTokenHashChanged", err)
	}
	changed.Revision = 9
	if _, err := s.UpdateToken(ctx, changed); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("stale UpdateToken with another hash: %v, want ErrConflict", err)
	}

	coll := srv.admin.Database(db).Collection(store.DefaultTokensCollection)
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: tok.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "uses", Value: "many"}}}}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"GetToken":   func() error { _, err := s.GetToken(ctx, tok.Hash); return err },
		"ListTokens": func() error { _, err := s.ListTokens(ctx); return err },
	} {
		if err := call(); err == nil || errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("%s of a corrupt token: %v, want a plain error", name, err)
		}
	}
}

// TestTokenHashInUse covers the unique index on token_hash. On FerretDB an
// update that violates it is not reported as a duplicate key; the store
// must still answer ErrTokenHashInUse, change nothing, and never report it
// as ErrAlreadyExists, ErrConflict or an outage.
func TestTokenHashInUse(t *testing.T) {
	srv := newServer(t)
	s, _ := srv.open(t, nil)
	ctx := t.Context()
	a, err := s.Create(ctx, storetest.SampleClient("client-a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(ctx, storetest.SampleClient("client-b"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrTokenHashInUse) {
			t.Fatalf("%s: error %v, want ErrTokenHashInUse", what, err)
		}
		for _, sentinel := range []error{sdk.ErrAlreadyExists, sdk.ErrConflict, sdk.ErrNotFound, sdk.ErrUnavailable} {
			if errors.Is(err, sentinel) {
				t.Fatalf("%s: error %v also matches %v", what, err, sentinel)
			}
		}
	}

	// Update b to a's hash.
	steal := b.Clone()
	steal.RegistrationTokenHash = a.RegistrationTokenHash
	steal.Metadata.ClientName = "thief"
	_, err = s.Update(ctx, steal)
	check("Update to another client's hash", err)
	for _, want := range []sdk.Client{a, b} {
		got, err := s.Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := storetest.Diff(want, got); d != "" {
			t.Fatalf("%s changed by the refused update:\n%s", want.ID, d)
		}
	}
	got, err := s.GetByRegistrationToken(ctx, a.RegistrationTokenHash)
	if err != nil || got.ID != a.ID {
		t.Fatalf("GetByRegistrationToken(a's hash) = %q, %v; want client-a", got.ID, err)
	}

	// Create c with a's hash: not ErrAlreadyExists (client-c is free).
	c := storetest.SampleClient("client-c")
	c.RegistrationTokenHash = a.RegistrationTokenHash
	_, err = s.Create(ctx, c)
	check("Create with another client's hash", err)
	if _, err := s.Get(ctx, "client-c"); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("Get(client-c) after the refused create: %v, want ErrNotFound", err)
	}

	// Create of an existing id whose hash is also taken: the id wins.
	dup := storetest.SampleClient("client-a")
	dup.RegistrationTokenHash = b.RegistrationTokenHash
	if _, err := s.Create(ctx, dup); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Fatalf("Create of an existing id: %v, want ErrAlreadyExists", err)
	}

	// The same update with a stale revision is a conflict, not a hash error.
	steal.Revision = 99
	if _, err := s.Update(ctx, steal); !errors.Is(err, sdk.ErrConflict) {
		t.Fatalf("stale Update to another client's hash: %v, want ErrConflict", err)
	}

	// b may keep its own hash, and take a's once a gives it up.
	same := b.Clone()
	same.Metadata.ClientName = "same hash"
	b2, err := s.Update(ctx, same)
	if err != nil {
		t.Fatalf("Update keeping its own hash: %v", err)
	}
	a.RegistrationTokenHash = ""
	if _, err := s.Update(ctx, a); err != nil {
		t.Fatalf("revoke a: %v", err)
	}
	b2.RegistrationTokenHash = storetest.TokenHash("rat:client-a")
	if _, err := s.Update(ctx, b2); err != nil {
		t.Fatalf("Update to a released hash: %v", err)
	}
}

// TestOutage stops the database under a configured store: every call fails
// with sdk.ErrUnavailable (never ErrNotFound) within the operation timeout,
// and the store recovers by itself when the database is back. It always
// runs on an embedded FerretDB, which it can stop.
func TestOutage(t *testing.T) {
	db := ferrettest.New(t)
	srv := connectServer(t, db.URI(), false)
	const opTimeout = 500 * time.Millisecond
	s, _ := srv.open(t, map[string]any{"operation_timeout": opTimeout.String(), "connect_timeout": "500ms"})
	ctx := t.Context()
	existing, err := s.Create(ctx, storetest.SampleClient("client-before"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.CreateToken(ctx, storetest.SampleToken("iat-before"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti-before", 200, 100); err != nil {
		t.Fatal(err)
	}

	db.Stop()

	calls := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, err := s.Get(ctx, existing.ID); return err }},
		{"Get of a missing client", func() error { _, err := s.Get(ctx, "client-missing"); return err }},
		{"GetByRegistrationToken", func() error { _, err := s.GetByRegistrationToken(ctx, existing.RegistrationTokenHash); return err }},
		{"Create", func() error { _, err := s.Create(ctx, storetest.SampleClient("client-during")); return err }},
		{"Update", func() error { _, err := s.Update(ctx, existing); return err }},
		{"Delete", func() error { return s.Delete(ctx, existing.ID, existing.Revision) }},
		{"CountClients", func() error { _, err := s.CountClients(ctx, existing.Profile); return err }},
		{"CreateToken", func() error { _, err := s.CreateToken(ctx, storetest.SampleToken("iat-during")); return err }},
		{"GetToken", func() error { _, err := s.GetToken(ctx, token.Hash); return err }},
		{"ListTokens", func() error { _, err := s.ListTokens(ctx); return err }},
		{"UpdateToken", func() error { _, err := s.UpdateToken(ctx, token); return err }},
		{"MarkJTIUsed", func() error { return s.MarkJTIUsed(ctx, "iss\x00jti-during", 200, 100) }},
		{"MarkJTIUsed of a recorded key", func() error { return s.MarkJTIUsed(ctx, "iss\x00jti-before", 200, 100) }},
		{"Health", func() error { return s.Health(ctx) }},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call()
		took := time.Since(start)
		if !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("%s during the outage: error %v, want ErrUnavailable", c.name, err)
		}
		for _, sentinel := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict} {
			if errors.Is(err, sentinel) {
				t.Errorf("%s during the outage: error %v matches %v", c.name, err, sentinel)
			}
		}
		if took > opTimeout+time.Second {
			t.Errorf("%s during the outage took %v, want at most the operation timeout %v", c.name, took, opTimeout)
		}
	}

	db.Restart()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := s.Health(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover after the restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, err := s.Get(ctx, existing.ID)
	if err != nil {
		t.Fatalf("Get after recovery: %v", err)
	}
	if d := storetest.Diff(existing, got); d != "" {
		t.Fatalf("record changed across the outage:\n%s", d)
	}
	if _, err := s.Get(ctx, "client-during"); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("the Create during the outage: Get = %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, existing); err != nil {
		t.Fatalf("Update after recovery: %v", err)
	}
	if got, err := s.GetToken(ctx, token.Hash); err != nil || got != token {
		t.Fatalf("GetToken after recovery = %+v, %v; want %+v", got, err, token)
	}
	if _, err := s.GetToken(ctx, storetest.SampleToken("iat-during").Hash); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("the CreateToken during the outage: GetToken = %v, want ErrNotFound", err)
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti-before", 200, 150); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Fatalf("MarkJTIUsed of a key recorded before the outage: %v, want ErrAlreadyExists", err)
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti-during", 200, 100); err != nil {
		t.Fatalf("MarkJTIUsed of the key refused during the outage: %v", err)
	}
}

// TestConfigureUnreachable: a database that cannot be reached at Configure
// is an availability error, not a configuration error.
func TestConfigureUnreachable(t *testing.T) {
	db := ferrettest.New(t)
	uri := db.URI()
	db.Stop()
	s := store.New(nil)
	start := time.Now()
	err := s.Configure(t.Context(), []byte(`{"uri": "`+uri+`", "connect_timeout": "500ms", "operation_timeout": "500ms"}`))
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Configure with the database down: %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Configure with the database down took %v", took)
	}
}

// TestConfigureTwice: Configure is idempotent (indexes included) and a
// second Configure replaces the connection without losing data.
func TestConfigureTwice(t *testing.T) {
	srv := newServer(t)
	db := srv.freshDB(t)
	s := store.New(nil)
	t.Cleanup(func() { _ = s.Close() })
	cfg := srv.config(t, db, nil)
	ctx := t.Context()
	if err := s.Configure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	created, err := s.Create(ctx, storetest.SampleClient("client-1"))
	if err != nil {
		t.Fatal(err)
	}
	all := func() []string {
		var out []string
		for _, coll := range []string{store.DefaultClientsCollection, store.DefaultTokensCollection, store.DefaultJTICollection} {
			for _, idx := range indexes(t, srv, db, coll) {
				out = append(out, coll+"."+idx)
			}
		}
		return out
	}
	first := all()
	for range 2 {
		if err := s.Configure(ctx, cfg); err != nil {
			t.Fatalf("second Configure: %v", err)
		}
	}
	if second := all(); !slices.Equal(first, second) {
		t.Fatalf("indexes changed by a second Configure:\n%v\n%v", first, second)
	}
	want := []string{
		"clients._id_", "clients.token_hash_unique unique", "clients.profile",
		"initial_access_tokens._id_", "initial_access_tokens.hash_unique unique", "initial_access_tokens.created_at_id",
		"jti._id_",
	}
	if !s.FerretDB() {
		want = append(want, "jti.expire_at_ttl ttl")
	}
	for _, w := range want {
		if !slices.ContainsFunc(first, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("index %q missing: %v", w, first)
		}
	}
	got, err := s.Get(ctx, created.ID)
	if err != nil {
		t.Fatalf("Get after reconfiguring: %v", err)
	}
	if d := storetest.Diff(created, got); d != "" {
		t.Fatal(d)
	}
	// A second store on the same database shares the indexes.
	other := store.New(nil)
	t.Cleanup(func() { _ = other.Close() })
	if err := other.Configure(ctx, cfg); err != nil {
		t.Fatalf("Configure of a second store: %v", err)
	}
	if _, err := other.Create(ctx, storetest.SampleClient("client-1")); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Fatalf("Create through the second store: %v, want ErrAlreadyExists", err)
	}
}

// indexes lists the indexes of collection coll of db as
// "name[ unique][ sparse|partial][ ttl]", sorted.
func indexes(t *testing.T, srv *server, db, coll string) []string {
	t.Helper()
	cur, err := srv.admin.Database(db).Collection(coll).Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, spec := range specs {
		s := fmt.Sprint(spec["name"])
		if u, _ := spec["unique"].(bool); u {
			s += " unique"
		}
		if sp, _ := spec["sparse"].(bool); sp {
			s += " sparse"
		}
		if spec["partialFilterExpression"] != nil {
			s += " partial"
		}
		if spec["expireAfterSeconds"] != nil {
			s += " ttl"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// TestConcurrentUpdatesStress races writers of one revision more times than
// the conformance suite, with deletes among them: on FerretDB, whose updates
// are not atomic, this fails without serialization.
func TestConcurrentUpdatesStress(t *testing.T) {
	srv := newServer(t)
	s, _ := srv.open(t, nil)
	ctx := t.Context()
	for round := range 5 {
		id := fmt.Sprintf("client-%d", round)
		base, err := s.Create(ctx, storetest.SampleClient(id))
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 12)
		for i := range cap(errs) {
			go func() {
				if i%4 == 3 {
					errs <- s.Delete(ctx, id, base.Revision)
					return
				}
				c := base.Clone()
				c.Metadata.ClientName = fmt.Sprint("writer ", i)
				_, err := s.Update(ctx, c)
				errs <- err
			}()
		}
		wins := 0
		for range cap(errs) {
			switch err := <-errs; {
			case err == nil:
				wins++
			case errors.Is(err, sdk.ErrConflict), errors.Is(err, sdk.ErrNotFound):
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers of revision %d succeeded, want 1", round, wins, base.Revision)
		}
	}
}

package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
	"github.com/registrar-dcr/registrar/plugins/mongodb/store"
)

// server is the database of one top-level test: a real MongoDB when
// MONGODB_URI is set, an embedded FerretDB otherwise.
type server struct {
	uri   string
	real  bool
	admin *mongo.Client
}

func newServer(t testing.TB) *server {
	t.Helper()
	uri, real := ferrettest.URI(t)
	return connectServer(t, uri, real)
}

func connectServer(t testing.TB, uri string, real bool) *server {
	t.Helper()
	admin, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = admin.Disconnect(ctx)
	})
	return &server{uri: uri, real: real, admin: admin}
}

var dbSeq atomic.Int64

// freshDB returns the name of a database no other test uses, dropped when
// the test ends.
func (s *server) freshDB(t testing.TB) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("regtest_%d_%s", dbSeq.Add(1), hex.EncodeToString(b[:]))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.admin.Database(name).Drop(ctx)
	})
	return name
}

// config returns the JSON config of a store on database db, with extra
// attributes.
func (s *server) config(t testing.TB, db string, extra map[string]any) []byte {
	t.Helper()
	m := map[string]any{"uri": s.uri, "database": db}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// open returns a configured store on a fresh database, closed when the
// test ends.
func (s *server) open(t testing.TB, extra map[string]any) (*store.Store, string) {
	t.Helper()
	db := s.freshDB(t)
	st := store.New(nil)
	if err := st.Configure(context.Background(), s.config(t, db, extra)); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, db
}

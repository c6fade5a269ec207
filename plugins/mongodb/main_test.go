package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/sdk/storetest"
)

// The plugin binary is built once for all tests.
var (
	buildOnce sync.Once
	binary    string
)

func pluginBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		// Build into a directory that outlives the first test.
		binary = plugintest.Build(&keepTB{T: t}, ".")
	})
	if binary == "" {
		t.Fatal("the plugin did not build")
	}
	return binary
}

// keepTB is a testing.TB whose TempDir is not removed when the test ends,
// so that the binary built by the first test serves the others; TestMain
// removes it.
type keepTB struct{ *testing.T }

var tempDirs []string

func (k *keepTB) TempDir() string {
	dir, err := os.MkdirTemp("", "registrar-mongodb-plugin-")
	if err != nil {
		k.Fatal(err)
	}
	tempDirs = append(tempDirs, dir)
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range tempDirs {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

func config(t *testing.T, uri, db string, extra map[string]any) []byte {
	t.Helper()
	m := map[string]any{"uri": uri, "database": db}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func freshDB(t *testing.T, admin *mongo.Client) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "regplugin_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = admin.Database(name).Drop(ctx)
	})
	return name
}

func connect(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// TestConformanceThroughPlugin runs the store conformance suite against
// the plugin binary, through go-plugin and the gRPC wire, one plugin
// process and one fresh database per case.
func TestConformanceThroughPlugin(t *testing.T) {
	bin := pluginBinary(t)
	uri, _ := ferrettest.URI(t)
	admin := connect(t, uri)
	storetest.Run(t, func(t *testing.T) sdk.Store {
		inst := plugintest.Start(t, bin, plugintest.WithConfig(config(t, uri, freshDB(t, admin), nil)))
		s, err := inst.Store()
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConfigErrorThroughPlugin: a rejected attribute reaches the host as a
// *plugin.ConfigError naming it, and the URI's password is not in it.
func TestConfigErrorThroughPlugin(t *testing.T) {
	bin := pluginBinary(t)
	inst := plugintest.Start(t, bin)
	for _, tc := range []struct {
		config, attr string
	}{
		{`{}`, "uri"},
		{`{"uri": "mongodb://u:s3cr3t@localhost/", "read_preference": "fastest"}`, "read_preference"},
		{`{"uri": "mongodb://u:s3cr3t@localhost/", "write_concern": 0}`, "write_concern"},
		{`{"uri": "mongodb://u:s3cr3t@localhost/", "colour": "blue"}`, "colour"},
	} {
		err := inst.Configure(t.Context(), []byte(tc.config))
		var ce *plugin.ConfigError
		if !errors.As(err, &ce) || ce.Attribute != tc.attr {
			t.Errorf("Configure(%s): %v, want a ConfigError on %q", tc.config, err, tc.attr)
			continue
		}
		if strings.Contains(ce.Error(), "s3cr3t") {
			t.Errorf("Configure(%s): the error shows the password: %v", tc.config, ce)
		}
	}
	// Unconfigured, the store is unavailable rather than empty.
	s, err := inst.Store()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "x"); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Get before a successful Configure: %v, want ErrUnavailable", err)
	}
}

// TestOutageThroughPlugin stops the database under the plugin: the host
// sees sdk.ErrUnavailable (503), never ErrNotFound, and the same plugin
// process serves again once the database is back.
func TestOutageThroughPlugin(t *testing.T) {
	bin := pluginBinary(t)
	db := ferrettest.New(t)
	admin := connect(t, db.URI())
	inst := plugintest.Start(t, bin, plugintest.WithConfig(config(t, db.URI(), freshDB(t, admin),
		map[string]any{"operation_timeout": "500ms"})))
	s, err := inst.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := s.Create(ctx, storetest.SampleClient("client-1"))
	if err != nil {
		t.Fatal(err)
	}

	db.Stop()
	if _, err := s.Get(ctx, c.ID); !errors.Is(err, sdk.ErrUnavailable) || errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("Get during the outage: %v, want ErrUnavailable", err)
	}
	if _, err := s.Create(ctx, storetest.SampleClient("client-2")); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Create during the outage: %v, want ErrUnavailable", err)
	}
	if err := inst.Health(ctx); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Health during the outage: %v, want ErrUnavailable", err)
	}

	db.Restart()
	deadline := time.Now().Add(15 * time.Second)
	for inst.Health(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the plugin did not recover: %v", inst.Health(ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatalf("Get after recovery: %v", err)
	}
	if d := storetest.Diff(c, got); d != "" {
		t.Fatal(d)
	}
	if inst.Exited() {
		t.Fatal("the plugin process exited during the outage")
	}
}

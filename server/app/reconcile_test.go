package app_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
)

// reconcileConfig is the configuration of the test plugin serving its
// in-memory Upstream, with the upstream attributes attrs, on store.
func reconcileConfig(t *testing.T, kinds, store, attrs string) string {
	text := pluginConfigTimeout(t, "10s", `env = { TESTPLUGIN_KINDS = "`+kinds+`" }`,
		"upstream \"plugin\" {\n  plugin = \"tp\"\n  "+attrs+"\n}", "")
	return strings.Replace(text, `store "memory" {}`, store, 1)
}

// newApp builds the App of configText, closed when the test ends.
func newApp(t *testing.T, configText string, log hclog.Logger) (*app.App, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_INITIAL_ACCESS_TOKEN", initialToken)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	a, err := app.New(context.Background(), cfg, log)
	if err == nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

// upstreamIDs lists the ids of every client the upstream holds.
func upstreamIDs(t *testing.T, up sdk.Upstream) []string {
	t.Helper()
	var ids []string
	for token := ""; ; {
		page, err := up.List(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Clients {
			ids = append(ids, c.ID)
		}
		if token = page.Next; token == "" {
			return ids
		}
	}
}

// TestPeriodicReconciler: with reconcile_interval set, the server
// reconciles its store with the upstream on its own, again and again: an
// upstream client without registration older than reconcile_grace is
// deleted, a younger one left, a registration without upstream client (no
// secret) provisioned, whichever round finds them. Close stops it.
func TestPeriodicReconciler(t *testing.T) {
	logs := &testlog.Buffer{}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: logs})
	a, err := newApp(t, reconcileConfig(t, "upstream", `store "memory" {}`, "reconcile_interval = \"50ms\"\n  reconcile_grace = \"1m\""), log)
	if err != nil {
		t.Fatalf("app.New: %s", config.FormatDiagnostics(err))
	}
	ctx := context.Background()
	up := a.Upstream()
	for id, age := range map[string]time.Duration{"orphan": time.Hour, "young": 0} {
		p := sdk.Provision{Operation: sdk.OperationCreate, Client: sdk.Client{ID: id, IssuedAt: time.Now().Add(-age).Unix()}, Revision: 1}
		if _, err := up.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Store().Create(ctx, sdk.Client{ID: "public", Profile: "default", IssuedAt: time.Now().Unix()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for want := []string{"public", "young"}; !slices.Equal(upstreamIDs(t, up), want); {
		if time.Now().After(deadline) {
			t.Fatalf("upstream = %v, want %v\n%s", upstreamIDs(t, up), want, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"periodic reconciliation with the upstream", "reconcile: deleted upstream client orphan", "reconcile: created upstream client public"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs)
		}
	}
}

// TestPeriodicReconcilerNeedsAListingStore: reconcile_interval on a store
// that cannot list its clients (a store plugin) stops the server at start
// with the reason; without reconcile_interval the same store serves.
func TestPeriodicReconcilerNeedsAListingStore(t *testing.T) {
	store := `store "plugin" { plugin = "tp" }`
	_, err := newApp(t, reconcileConfig(t, "store,upstream", store, `reconcile_interval = "1m"`), hclog.NewNullLogger())
	if err == nil || !strings.Contains(err.Error(), "reconcile_interval is set, but reconcile needs a store that can list its clients") {
		t.Fatalf("app.New = %v, want the refusal of reconcile_interval", err)
	}
	if _, err := newApp(t, reconcileConfig(t, "store,upstream", store, `reconcile_interval = "0s"`), hclog.NewNullLogger()); err != nil {
		t.Fatalf("app.New without reconcile_interval: %v", err)
	}
}

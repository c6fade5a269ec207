package app_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
)

// upstreamConfig is the e2e configuration with the test plugin serving its
// in-memory Upstream ("up-" ids and derived secrets in behaviour
// "assign"; every call and its health failing in "down") as the upstream.
func upstreamConfig(t *testing.T, behaviour string) string {
	return pluginConfigTimeout(t, "10s", `env = { TESTPLUGIN_KINDS = "upstream" }
  config {
    upstream = "`+behaviour+`"
  }`, `upstream "plugin" {
  plugin = "tp"
}`, "")
}

// readyChecks returns the checks of /readyz and its status.
func readyChecks(t *testing.T, s *server) (int, map[string]any) {
	t.Helper()
	r := s.do(t, "GET", "/readyz", "", nil)
	checks, _ := r.body["checks"].(map[string]any)
	return r.status, checks
}

// TestUpstreamWired: with an upstream block, serve starts its plugin and
// every registration reaches it (the client_id and secret it assigns are
// the ones answered), and /readyz names it "upstream" beside its plugin.
func TestUpstreamWired(t *testing.T) {
	s, err := startServerWith(t, upstreamConfig(t, "assign"))
	if err != nil {
		t.Fatal(err)
	}
	a := s.do(t, "POST", "/connect/dcr", initialToken, webClient("provisioned"))
	expect(t, a, http.StatusCreated, "")
	if id := a.str("client_id"); !strings.HasPrefix(id, "up-") {
		t.Errorf("client_id = %q, want the one the upstream assigned (up-...)", id)
	}
	if secret := a.str("client_secret"); !strings.HasPrefix(secret, "up-") {
		t.Errorf("client_secret is not the one the upstream assigned")
	}
	status, checks := readyChecks(t, s)
	want := map[string]string{"store": "ok", "plugin:tp": "ok", "upstream": "ok"}
	if status != http.StatusOK || len(checks) != len(want) {
		t.Fatalf("readyz = %d %v", status, checks)
	}
	for name, w := range want {
		if checks[name] != w {
			t.Errorf("readyz %s = %v, want %s", name, checks[name], w)
		}
	}
}

// TestReadyzNamesUpstreamDown: an authorization server that is down (the
// plugin runs, its upstream cannot be written) makes /readyz answer 503
// naming "upstream" as unavailable while the store stays ok, and a
// registration answers 503 with Retry-After, storing nothing.
func TestReadyzNamesUpstreamDown(t *testing.T) {
	s, err := startServerWith(t, upstreamConfig(t, "down"))
	if err != nil {
		t.Fatal(err)
	}
	status, checks := readyChecks(t, s)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("readyz = %d %v, want 503", status, checks)
	}
	if checks["upstream"] != "unavailable" || checks["store"] != "ok" {
		t.Fatalf("readyz checks = %v, want upstream unavailable and store ok", checks)
	}
	a := s.do(t, "POST", "/connect/dcr", initialToken, webClient("not provisioned"))
	expect(t, a, http.StatusServiceUnavailable, "temporarily_unavailable")
	if a.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

// TestUpstreamPluginMustServeTheKind: serve refuses to start when the
// upstream block names a plugin that does not serve the upstream kind.
func TestUpstreamPluginMustServeTheKind(t *testing.T) {
	cfg := pluginConfigTimeout(t, "10s", `env = { TESTPLUGIN_KINDS = "validator" }`, `upstream "plugin" {
  plugin = "tp"
}`, "")
	_, err := startServerWith(t, cfg)
	if err == nil || !strings.Contains(err.Error(), `plugin "tp" does not serve a upstream`) {
		t.Fatalf("app.New = %v, want a refusal naming the plugin and the kind", err)
	}
}

// TestOpenUpstream: the CLI opens the configured upstream without serving
// (registrar reconcile), through the plugin host, and closes it; a
// configuration without an upstream block is ErrNoUpstream.
func TestOpenUpstream(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(upstreamConfig(t, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_INITIAL_ACCESS_TOKEN", initialToken)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	up, closer, err := app.OpenUpstream(t.Context(), cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	p := sdk.Provision{Operation: sdk.OperationCreate, Client: sdk.Client{ID: "c1", IssuedAt: 1700000000}, Revision: 1}
	if _, err := up.Create(t.Context(), p); err != nil {
		t.Fatalf("Create: %v", err)
	}
	page, err := up.List(t.Context(), "")
	if err != nil || len(page.Clients) != 1 || page.Clients[0].ID != "c1" {
		t.Fatalf("List = %v, %v", page, err)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := up.List(context.Background(), ""); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("List after Close: %v, want ErrUnavailable", err)
	}

	cfg.Upstream = nil
	if _, _, err := app.OpenUpstream(t.Context(), cfg, hclog.NewNullLogger()); !errors.Is(err, app.ErrNoUpstream) {
		t.Fatalf("OpenUpstream without an upstream block: %v", err)
	}
}

package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/config"
)

// testPlugin is the SDK's test plugin, built once: it serves every kind
// (TESTPLUGIN_KINDS restricts them) and crashes or hangs on request.
var testPlugin struct {
	once      sync.Once
	path, sum string
}

const (
	crashName = "testplugin: crash now" // testimpl.CrashClientName
	hangName  = "testplugin: hang now"  // testimpl.HangClientName
)

func buildTestPlugin(t *testing.T) (path, sum string) {
	t.Helper()
	testPlugin.once.Do(func() {
		// Built into a directory that outlives this test: later tests reuse it.
		testPlugin.path = plugintest.Build(&keepTB{TB: t}, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
		testPlugin.sum = plugintest.SHA256(t, testPlugin.path)
	})
	if testPlugin.path == "" {
		t.Fatal("test plugin did not build")
	}
	return testPlugin.path, testPlugin.sum
}

// keepTB gives plugintest.Build a temporary directory that is not removed
// at the end of the first test that builds the plugin.
type keepTB struct{ testing.TB }

func (k *keepTB) TempDir() string {
	dir, err := osMkdirTemp()
	if err != nil {
		k.Fatal(err)
	}
	return dir
}

// pluginConfig is the e2e configuration with a plugin block (per-call
// timeout 500ms) and the given extra blocks / profile attributes.
func pluginConfig(t *testing.T, pluginAttrs, top, profileAttrs string) string {
	return pluginConfigTimeout(t, "500ms", pluginAttrs, top, profileAttrs)
}

// pluginConfigTimeout is pluginConfig with another per-call timeout.
func pluginConfigTimeout(t *testing.T, timeout, pluginAttrs, top, profileAttrs string) string {
	path, sum := buildTestPlugin(t)
	return fmt.Sprintf(`
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
}
store "memory" {}
plugin "tp" {
  path    = %q
  sha256  = %q
  timeout = %q
%s
}
%s
profile "default" {
  authentication {
    initial_access_token "e2e" {
      token = env("E2E_INITIAL_ACCESS_TOKEN")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "none"]
    scopes                      = ["openid", "profile"]
    default_scope               = "openid"
  }
%s
}
`, path, sum, timeout, pluginAttrs, top, profileAttrs)
}

func webClient(name string) map[string]any {
	return map[string]any{"client_name": name, "redirect_uris": []string{"https://app.example.com/cb"}}
}

// TestPluginValidatorChain: a plugin validator runs after the built-in
// one; its refusals cross the wire as RFC errors; readiness covers it.
func TestPluginValidatorChain(t *testing.T) {
	s, err := startServerWith(t, pluginConfig(t, `env = { TESTPLUGIN_KINDS = "validator" }`, "", `validators = ["rfc", "tp"]`))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, s.do(t, "POST", "/connect/dcr", initialToken, webClient("ok")), 201, "")
	bad := map[string]any{"redirect_uris": []string{"https://evil.example/cb"}}
	a := s.do(t, "POST", "/connect/dcr", initialToken, bad)
	expect(t, a, 400, "invalid_redirect_uri")
	golden(t, "plugin_validator_refusal", a)
	r := s.do(t, "GET", "/readyz", "", nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.raw), `"plugin:tp":"ok"`) {
		t.Errorf("readyz does not report the plugin: %s", r.raw)
	}
}

// TestPluginCrashIsRestarted: a validator that crashes mid-request gets
// that request a 503; nothing is stored; the host restarts the plugin and
// the next request succeeds. The next request waits for the restart
// within its per-call timeout, so that timeout leaves room for starting a
// plugin process on a loaded machine; the crash itself is seen at once.
func TestPluginCrashIsRestarted(t *testing.T) {
	s, err := startServerWith(t, pluginConfigTimeout(t, "10s", `env = { TESTPLUGIN_KINDS = "validator,store" }`,
		"", `validators = ["rfc", "tp"]`))
	if err != nil {
		t.Fatal(err)
	}
	a := s.do(t, "POST", "/connect/dcr", initialToken, webClient(crashName))
	expect(t, a, http.StatusServiceUnavailable, "temporarily_unavailable")
	golden(t, "plugin_unavailable", a)
	for i := 0; i < 3; i++ {
		expect(t, s.do(t, "POST", "/connect/dcr", initialToken, webClient("after the crash")), 201, "")
	}
	if !strings.Contains(s.logs.String(), "plugin restarted") {
		t.Error("the log does not show the restart")
	}
}

// TestPluginHangHitsDeadline: a validator that never answers gets the
// request a 503 at the per-call deadline; the plugin keeps serving others.
func TestPluginHangHitsDeadline(t *testing.T) {
	s, err := startServerWith(t, pluginConfig(t, `env = { TESTPLUGIN_KINDS = "validator" }`, "", `validators = ["rfc", "tp"]`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	expect(t, s.do(t, "POST", "/connect/dcr", initialToken, webClient(hangName)), http.StatusServiceUnavailable, "temporarily_unavailable")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the hung call took %s; the deadline is 500ms", d)
	}
	expect(t, s.do(t, "POST", "/connect/dcr", initialToken, webClient("after the hang")), 201, "")
}

// TestPluginStartFailures: a plugin that cannot start stops the server
// with a clear message, unless it is optional; then readiness reports it
// and calls answer 503.
func TestPluginStartFailures(t *testing.T) {
	t.Run("checksum_mismatch", func(t *testing.T) {
		cfg := pluginConfig(t, ``, "", `validators = ["rfc", "tp"]`)
		_, sum := buildTestPlugin(t)
		cfg = strings.Replace(cfg, sum, strings.Repeat("0", 64), 1)
		_, err := startServerWith(t, cfg)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "checksum") {
			t.Fatalf("want a checksum error, got %v", err)
		}
	})
	t.Run("config_rejected_points_at_line", func(t *testing.T) {
		_, err := startServerWith(t, pluginConfig(t, "  config {\n    fail = true\n  }", "", `validators = ["rfc", "tp"]`))
		if err == nil || !strings.Contains(err.Error(), "config.hcl:12,") || !strings.Contains(err.Error(), "must not be true") {
			t.Fatalf("want a diagnostic at config.hcl:12, got %v", err)
		}
	})
	t.Run("not_a_plugin", func(t *testing.T) {
		cfg := pluginConfig(t, "", "", `validators = ["rfc", "tp"]`)
		path, sum := buildTestPlugin(t)
		other := writeExecutable(t, "#!/bin/sh\necho not a plugin\n")
		cfg = strings.Replace(strings.Replace(cfg, path, other, 1), sum, plugintest.SHA256(t, other), 1)
		_, err := startServerWith(t, cfg)
		if err == nil || !strings.Contains(err.Error(), `plugin "tp" did not start`) {
			t.Fatalf("want a start error, got %v", err)
		}
	})
	t.Run("optional", func(t *testing.T) {
		cfg := pluginConfig(t, "optional = true", "", `validators = ["rfc", "tp"]`)
		path, sum := buildTestPlugin(t)
		other := writeExecutable(t, "#!/bin/sh\nexit 3\n")
		cfg = strings.Replace(strings.Replace(cfg, path, other, 1), sum, plugintest.SHA256(t, other), 1)
		s, err := startServerWith(t, cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := s.do(t, "GET", "/readyz", "", nil)
		expect(t, r, http.StatusServiceUnavailable, "")
		if !strings.Contains(string(r.raw), `"plugin:tp":"unavailable"`) {
			t.Errorf("readyz = %s", r.raw)
		}
		expect(t, s.do(t, "POST", "/connect/dcr", initialToken, webClient("x")), http.StatusServiceUnavailable, "temporarily_unavailable")
	})
}

// TestPluginEveryKind: processor, store and response generator served by
// a plugin, through a whole lifecycle.
func TestPluginEveryKind(t *testing.T) {
	s, err := startServerWith(t, strings.Replace(pluginConfig(t, "",
		"processor {\n  plugin = \"tp\"\n}\nresponse {\n  plugin = \"tp\"\n}\n", `validators = ["rfc", "tp"]`),
		`store "memory" {}`, `store "plugin" { plugin = "tp" }`, 1))
	if err != nil {
		t.Fatal(err)
	}
	a := s.do(t, "POST", "/connect/dcr", initialToken, webClient("every kind"))
	expect(t, a, 201, "")
	id, rat := a.str("client_id"), a.str("registration_access_token")
	if !strings.HasPrefix(id, "tp-") {
		t.Errorf("client_id %q was not assigned by the plugin processor", id)
	}
	if _, ok := a.body["x_plugin"]; !ok {
		t.Errorf("the plugin response generator did not add its field: %s", a.raw)
	}
	expect(t, s.do(t, "GET", "/connect/dcr/"+id, rat, nil), 200, "")
	expect(t, s.do(t, "DELETE", "/connect/dcr/"+id, rat, nil), 204, "")
	expect(t, s.do(t, "GET", "/connect/dcr/"+id, rat, nil), 401, "invalid_token")
}

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "registrar-testplugin-*") }

func writeExecutable(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "not-a-plugin")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPluginStoreOfClientsAlone: a store plugin that keeps clients alone
// serves them, and the tokens block of its store block keeps the initial
// access tokens and jtis: a token issued into that store (as `registrar
// token create` does) admits a registration whose client lands in the
// plugin. Without a tokens block the server refuses to start and says why.
func TestPluginStoreOfClientsAlone(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tokens.db")
	clientsOnly := `env = { TESTPLUGIN_KINDS = "store", TESTPLUGIN_STORE = "clients" }`
	configText := func(store string) string {
		text := strings.Replace(pluginConfig(t, clientsOnly, "", ""), `store "memory" {}`, store, 1)
		return strings.Replace(text, "  authentication {\n", "  authentication {\n    issued_tokens = true\n", 1)
	}

	_, err := startServerWith(t, configText(`store "plugin" { plugin = "tp" }`))
	if err == nil || !strings.Contains(err.Error(), `does not serve a token_store`) || !strings.Contains(err.Error(), "needs a tokens block") {
		t.Fatalf("start with a clients-only store plugin and no tokens block: %v", err)
	}

	text := configText(fmt.Sprintf("store \"plugin\" {\n  plugin = \"tp\"\n  tokens \"sqlite\" {\n    path = %q\n  }\n}", db))
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_INITIAL_ACCESS_TOKEN", initialToken)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	st, closer, err := app.OpenStore(t.Context(), cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	issued, _, err := auth.IssueToken(t.Context(), st, auth.TokenRequest{Profile: "default", MaxUses: 1}, time.Now())
	if err != nil {
		t.Fatalf("issue a token into the tokens store: %v", err)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := startServerWith(t, text)
	if err != nil {
		t.Fatal(err)
	}
	a := s.do(t, "POST", "/connect/dcr", issued, webClient("clients alone"))
	expect(t, a, 201, "")
	id, rat := a.str("client_id"), a.str("registration_access_token")
	expect(t, s.do(t, "GET", "/connect/dcr/"+id, rat, nil), 200, "")
	// The token was used up in the tokens store.
	expect(t, s.do(t, "POST", "/connect/dcr", issued, webClient("again")), 401, "invalid_token")
	expect(t, s.do(t, "DELETE", "/connect/dcr/"+id, rat, nil), 204, "")
	expect(t, s.do(t, "GET", "/connect/dcr/"+id, rat, nil), 401, "invalid_token")
}

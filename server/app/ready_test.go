package app_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestReadyzNamesOnlyWhatFailed: with one unhealthy plugin beside a
// healthy one and a healthy store, /readyz answers 503 and reports the
// unhealthy plugin alone as unavailable.
func TestReadyzNamesOnlyWhatFailed(t *testing.T) {
	path, sum := buildTestPlugin(t)
	cfg := fmt.Sprintf(`
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
}
store "sqlite" {
  path = "registrar.db"
}
plugin "good" {
  path   = %[1]q
  sha256 = %[2]q
  env    = { TESTPLUGIN_KINDS = "validator" }
}
plugin "bad" {
  path   = %[1]q
  sha256 = %[2]q
  env    = { TESTPLUGIN_KINDS = "validator" }
  config {
    mode = "unhealthy"
  }
}
profile "default" {
  authentication {
    initial_access_token "e2e" {
      token = env("E2E_INITIAL_ACCESS_TOKEN")
    }
  }
  validators = ["rfc", "good", "bad"]
}
`, path, sum)
	s, err := startServerWith(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := s.do(t, "GET", "/readyz", "", nil)
	expect(t, r, http.StatusServiceUnavailable, "")
	checks, _ := r.body["checks"].(map[string]any)
	want := map[string]string{"store": "ok", "plugin:good": "ok", "plugin:bad": "unavailable"}
	if r.str("status") != "unavailable" || len(checks) != len(want) {
		t.Fatalf("readyz = %s", r.raw)
	}
	for name, w := range want {
		if checks[name] != w {
			t.Errorf("readyz %s = %v, want %s (%s)", name, checks[name], w, r.raw)
		}
	}
}

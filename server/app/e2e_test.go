package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

const initialToken = "e2e-initial-access-token-0123456789abcdefghij"

const e2eConfig = `
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
  max_body_bytes  = 4096
}
log {
  level = "trace"
}
store "sqlite" {
  path = "registrar.db"
}
profile "default" {
  authentication {
    initial_access_token "e2e" {
      token = env("E2E_INITIAL_ACCESS_TOKEN")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    scopes                      = ["openid", "profile", "email", "api"]
    default_scope               = "openid"
  }
}
`

// server is a Registrar serving on a real loopback listener.
type server struct {
	url  string
	db   string
	logs *testlog.Buffer
}

func startServer(t *testing.T) *server {
	t.Helper()
	s, err := startServerWith(t, e2eConfig)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startServerWith starts the server of configText (E2E_INITIAL_ACCESS_TOKEN
// holds initialToken). It returns app.New's error, printed as
// diagnostics, instead of failing the test.
func startServerWith(t *testing.T, configText string) (*server, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_INITIAL_ACCESS_TOKEN", initialToken)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	logs := &testlog.Buffer{}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: logs})
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s", config.FormatDiagnostics(err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &server{url: "http://" + ln.Addr().String(), db: cfg.Store.Path, logs: logs}, nil
}

type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (s *server) do(t *testing.T, method, path, token string, body any) answer {
	t.Helper()
	a := s.doWith(t, method, path, bearer(token), body)
	if got := a.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s %s: Cache-Control = %q, want no-store", method, path, got)
	}
	return a
}

func (a answer) str(key string) string {
	s, _ := a.body[key].(string)
	return s
}

func expect(t *testing.T, a answer, status int, errCode string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body %s", a.status, status, a.raw)
	}
	if errCode != "" {
		if got := a.str("error"); got != errCode {
			t.Fatalf("error = %q, want %q; body %s", got, errCode, a.raw)
		}
		if a.str("error_description") == "" {
			t.Errorf("error %s without a description", errCode)
		}
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

// normalized replaces the values that change from run to run.
func normalized(t *testing.T, a answer) []byte {
	t.Helper()
	m := map[string]any{}
	for k, v := range a.body {
		m[k] = v
	}
	for _, k := range []string{"client_id", "client_secret", "registration_access_token"} {
		if _, ok := m[k]; ok {
			m[k] = "<" + k + ">"
		}
	}
	if _, ok := m["registration_client_uri"]; ok {
		m["registration_client_uri"] = strings.Replace(a.str("registration_client_uri"), a.str("client_id"), "<client_id>", 1)
	}
	if v, ok := m["client_id_issued_at"].(float64); ok && v > 0 {
		m["client_id_issued_at"] = "<timestamp>"
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// golden compares the normalized answer with testdata/golden/name.json:
// the status, the WWW-Authenticate challenge when there is one, the body.
func golden(t *testing.T, name string, a answer) {
	t.Helper()
	got := normalized(t, a)
	head := fmt.Sprintf("// status %d\n", a.status)
	if ch := a.header.Get("WWW-Authenticate"); ch != "" {
		head += "// WWW-Authenticate: " + ch + "\n"
	}
	got = append([]byte(head), got...)
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestLifecycle runs create → read → update → read → delete → read for
// the three kinds of client the issue names, over a real listener.
func TestLifecycle(t *testing.T) {
	tests := []struct {
		name       string
		create     map[string]any
		update     map[string]any // without client_id, added by the test
		wantSecret bool
	}{
		{
			name: "confidential_web",
			create: map[string]any{
				"client_name":                "Example Web",
				"client_name#ja-Jpan-JP":     "ウェブ",
				"redirect_uris":              []string{"https://app.example.com/callback"},
				"grant_types":                []string{"authorization_code", "refresh_token"},
				"response_types":             []string{"code"},
				"token_endpoint_auth_method": "client_secret_basic",
				"scope":                      "openid profile",
				"contacts":                   []string{"ops@example.com"},
				"logo_uri":                   "https://app.example.com/logo.png",
				"access_token_lifetime":      3600,
				"x_unknown_member":           "dropped",
			},
			update: map[string]any{
				"client_name":                "Example Web v2",
				"redirect_uris":              []string{"https://app.example.com/callback", "https://app.example.com/cb2"},
				"grant_types":                []string{"authorization_code"},
				"token_endpoint_auth_method": "client_secret_basic",
			},
			wantSecret: true,
		},
		{
			name: "public_native",
			create: map[string]any{
				"client_name":                "Example CLI",
				"application_type":           "native",
				"redirect_uris":              []string{"http://127.0.0.1:51234/callback", "com.example.app:/oauth2redirect"},
				"grant_types":                []string{"authorization_code", "refresh_token"},
				"token_endpoint_auth_method": "none",
				"scope":                      "openid offline_access",
			},
			update: map[string]any{
				"client_name":                "Example CLI",
				"application_type":           "native",
				"redirect_uris":              []string{"http://[::1]/callback"},
				"token_endpoint_auth_method": "none",
			},
		},
		{
			name: "client_credentials",
			create: map[string]any{
				"client_name":                "CI pipeline",
				"grant_types":                []string{"client_credentials"},
				"token_endpoint_auth_method": "client_secret_post",
				"scope":                      "api",
			},
			update: map[string]any{
				"client_name":                "CI pipeline",
				"grant_types":                []string{"client_credentials"},
				"token_endpoint_auth_method": "client_secret_post",
				"scope":                      "api openid",
			},
			wantSecret: true,
		},
	}
	// "offline_access" is not allowed in the e2e policy: fix the native
	// case's scope so it registers.
	tests[1].create["scope"] = "openid"

	s := startServer(t)
	var issued []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created := s.do(t, "POST", "/connect/dcr", initialToken, tc.create)
			expect(t, created, http.StatusCreated, "")
			golden(t, tc.name+"_create", created)
			id, rat := created.str("client_id"), created.str("registration_access_token")
			if len(id) < 43 || len(rat) < 43 {
				t.Fatalf("client_id %q / token %q too short", id, rat)
			}
			if _, ok := created.body["client_id_issued_at"].(float64); !ok {
				t.Errorf("client_id_issued_at is not a number: %v", created.body["client_id_issued_at"])
			}
			if got := created.str("client_secret") != ""; got != tc.wantSecret {
				t.Fatalf("client_secret issued = %v, want %v", got, tc.wantSecret)
			}
			if _, ok := created.body["client_secret_expires_at"]; ok != tc.wantSecret {
				t.Errorf("client_secret_expires_at present = %v, want %v", ok, tc.wantSecret)
			}
			if want := "https://registrar.example.com/connect/dcr/" + id; created.str("registration_client_uri") != want {
				t.Errorf("registration_client_uri = %q, want %q", created.str("registration_client_uri"), want)
			}
			issued = append(issued, created.str("client_secret"), rat)
			path := "/connect/dcr/" + id

			read := s.do(t, "GET", path, rat, nil)
			expect(t, read, http.StatusOK, "")
			golden(t, tc.name+"_read", read)
			if read.str("client_secret") != "" {
				t.Error("read returned the client secret, which is stored only as a hash")
			}

			upd := map[string]any{"client_id": id}
			for k, v := range tc.update {
				upd[k] = v
			}
			updated := s.do(t, "PUT", path, rat, upd)
			expect(t, updated, http.StatusOK, "")
			golden(t, tc.name+"_update", updated)
			newRAT := updated.str("registration_access_token")
			if newRAT == "" || newRAT == rat {
				t.Fatal("registration access token did not rotate on update")
			}
			issued = append(issued, newRAT)
			expect(t, s.do(t, "GET", path, rat, nil), http.StatusUnauthorized, "invalid_token")

			reread := s.do(t, "GET", "/connect/dcr?client_id="+id, newRAT, nil)
			expect(t, reread, http.StatusOK, "")
			if reread.str("client_name") != tc.update["client_name"] {
				t.Errorf("client_name after update = %q", reread.str("client_name"))
			}
			for k := range tc.create {
				if _, inUpdate := tc.update[k]; !inUpdate && reread.body[k] != nil && k != "scope" && k != "response_types" && k != "grant_types" {
					t.Errorf("%s survived an update that left it out (RFC 7592 §2.2 replaces)", k)
				}
			}

			del := s.do(t, "DELETE", path, newRAT, nil)
			expect(t, del, http.StatusNoContent, "")
			if len(del.raw) != 0 {
				t.Errorf("delete answered a body: %q", del.raw)
			}
			gone := s.do(t, "GET", path, newRAT, nil)
			expect(t, gone, http.StatusUnauthorized, "invalid_token")
			golden(t, "read_deleted", gone)
		})
	}

	t.Run("no_secret_in_logs", func(t *testing.T) {
		logs := s.logs.String()
		if !strings.Contains(logs, "client registered") {
			t.Fatal("the log holds no registration: the check below would prove nothing")
		}
		for _, v := range append(issued, initialToken) {
			if v != "" && strings.Contains(logs, v) {
				t.Errorf("a secret or token appears in the log")
			}
		}
	})
}

// TestErrors checks the status, error code and shape of every error
// answer over a real listener, and that none of them stores anything.
func TestErrors(t *testing.T) {
	s := startServer(t)
	web := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{
			"redirect_uris":              []string{"https://app.example.com/cb"},
			"token_endpoint_auth_method": "client_secret_basic",
		}
		if mod != nil {
			mod(m)
		}
		return m
	}
	tests := []struct {
		name, method, path, token, contentType string
		body                                   any
		status                                 int
		code                                   string
	}{
		{name: "missing_token", method: "POST", path: "/connect/dcr", body: web(nil), status: 401, code: "invalid_token"},
		{name: "wrong_token", method: "POST", path: "/connect/dcr", token: "not-the-initial-access-token-0123456789", body: web(nil), status: 401, code: "invalid_token"},
		{name: "bad_redirect_uri", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["redirect_uris"] = []string{"http://app.example.com/cb"} }), status: 400, code: "invalid_redirect_uri"},
		{name: "fragment_redirect_uri", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["redirect_uris"] = []string{"https://app.example.com/cb#x"} }), status: 400, code: "invalid_redirect_uri"},
		{name: "null_grant_types", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["grant_types"] = nil }), status: 400, code: "invalid_client_metadata"},
		{name: "number_for_string", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["client_name"] = 42 }), status: 400, code: "invalid_client_metadata"},
		{name: "client_id_on_create", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["client_id"] = "mine" }), status: 400, code: "invalid_client_metadata"},
		{name: "scope_not_allowed", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["scope"] = "openid admin" }), status: 400, code: "invalid_client_metadata"},
		{name: "not_json", method: "POST", path: "/connect/dcr", token: initialToken, body: "{not json", status: 400, code: "invalid_request"},
		{name: "array_body", method: "POST", path: "/connect/dcr", token: initialToken, body: "[]", status: 400, code: "invalid_request"},
		{name: "wrong_content_type", method: "POST", path: "/connect/dcr", token: initialToken, body: web(nil), contentType: "text/plain", status: 415, code: "invalid_request"},
		{name: "body_too_large", method: "POST", path: "/connect/dcr", token: initialToken,
			body: web(func(m map[string]any) { m["client_name"] = strings.Repeat("a", 5000) }), status: 413, code: "invalid_request"},
		{name: "method_not_allowed", method: "PATCH", path: "/connect/dcr/abc", token: initialToken, body: "{}", status: 405, code: "method_not_allowed"},
		{name: "unknown_client", method: "GET", path: "/connect/dcr/nope", token: "unknown-registration-token-0123456789abcdef", status: 401, code: "invalid_token"},
		{name: "read_without_token", method: "GET", path: "/connect/dcr/nope", status: 401, code: "invalid_token"},
		{name: "alias_without_client_id", method: "GET", path: "/connect/dcr", token: initialToken, status: 400, code: "invalid_request"},
		{name: "no_such_endpoint", method: "GET", path: "/nope", status: 404, code: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a answer
			if tc.contentType != "" {
				a = s.doContentType(t, tc.method, tc.path, tc.token, tc.contentType, tc.body)
			} else {
				a = s.do(t, tc.method, tc.path, tc.token, tc.body)
			}
			expect(t, a, tc.status, tc.code)
			golden(t, "error_"+tc.name, a)
		})
	}
	if n := s.count(t); n != 0 {
		t.Errorf("%d clients stored after failed requests, want 0", n)
	}
}

func (s *server) doContentType(t *testing.T, method, path, token, ct string, body any) answer {
	t.Helper()
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(buf))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// count returns the number of stored clients, read from the database.
func (s *server) count(t *testing.T) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+s.db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM clients").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailedUpdateChangesNothing sends bad updates and checks the stored
// client and its token are untouched.
func TestFailedUpdateChangesNothing(t *testing.T) {
	s := startServer(t)
	created := s.do(t, "POST", "/connect/dcr", initialToken, map[string]any{
		"client_name": "keep me", "redirect_uris": []string{"https://app.example.com/cb"},
	})
	expect(t, created, http.StatusCreated, "")
	id, rat := created.str("client_id"), created.str("registration_access_token")
	path := "/connect/dcr/" + id
	bad := []struct {
		name   string
		body   map[string]any
		code   string
		status int
	}{
		{"no_client_id", map[string]any{"client_name": "x", "redirect_uris": []string{"https://app.example.com/cb"}}, "invalid_request", 400},
		{"other_client_id", map[string]any{"client_id": "other", "redirect_uris": []string{"https://app.example.com/cb"}}, "invalid_request", 400},
		{"wrong_secret", map[string]any{"client_id": id, "client_secret": "guess", "redirect_uris": []string{"https://app.example.com/cb"}}, "invalid_request", 400},
		{"registration_access_token_in_body", map[string]any{"client_id": id, "registration_access_token": rat, "redirect_uris": []string{"https://app.example.com/cb"}}, "invalid_request", 400},
		{"client_id_issued_at_in_body", map[string]any{"client_id": id, "client_id_issued_at": 1, "redirect_uris": []string{"https://app.example.com/cb"}}, "invalid_request", 400},
		{"bad_redirect", map[string]any{"client_id": id, "redirect_uris": []string{"javascript:alert(1)"}}, "invalid_redirect_uri", 400},
		{"missing_redirect", map[string]any{"client_id": id, "client_name": "x"}, "invalid_redirect_uri", 400},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, s.do(t, "PUT", path, rat, tc.body), tc.status, tc.code)
		})
	}
	after := s.do(t, "GET", path, rat, nil)
	expect(t, after, http.StatusOK, "")
	if after.str("client_name") != "keep me" {
		t.Errorf("client_name = %q after failed updates", after.str("client_name"))
	}
	// A correct secret is accepted; null means "omitted" on update.
	ok := s.do(t, "PUT", path, rat, map[string]any{
		"client_id": id, "client_secret": created.str("client_secret"),
		"redirect_uris": []string{"https://app.example.com/cb"}, "client_name": nil,
	})
	expect(t, ok, http.StatusOK, "")
	if _, has := ok.body["client_name"]; has {
		t.Error("client_name: null did not remove the member")
	}
	if ok.str("client_secret") != "" {
		t.Error("update re-sent the unchanged client secret")
	}
}

// TestTokenOnAnotherClientIsRevoked: RFC 7592 §2.1.
func TestTokenOnAnotherClientIsRevoked(t *testing.T) {
	s := startServer(t)
	reg := func() answer {
		a := s.do(t, "POST", "/connect/dcr", initialToken, map[string]any{"redirect_uris": []string{"https://app.example.com/cb"}})
		expect(t, a, http.StatusCreated, "")
		return a
	}
	a, b := reg(), reg()
	expect(t, s.do(t, "GET", "/connect/dcr/"+b.str("client_id"), a.str("registration_access_token"), nil), 401, "invalid_token")
	expect(t, s.do(t, "GET", "/connect/dcr/"+a.str("client_id"), a.str("registration_access_token"), nil), 401, "invalid_token")
	expect(t, s.do(t, "GET", "/connect/dcr/"+b.str("client_id"), b.str("registration_access_token"), nil), 200, "")
	expect(t, s.do(t, "GET", "/connect/dcr/does-not-exist", b.str("registration_access_token"), nil), 401, "invalid_token")
	expect(t, s.do(t, "GET", "/connect/dcr/"+b.str("client_id"), b.str("registration_access_token"), nil), 401, "invalid_token")
}

// TestHealth checks liveness and readiness.
func TestHealth(t *testing.T) {
	s := startServer(t)
	expect(t, s.do(t, "GET", "/healthz", "", nil), 200, "")
	r := s.do(t, "GET", "/readyz", "", nil)
	expect(t, r, 200, "")
	if r.str("status") != "ok" {
		t.Errorf("readyz = %s", r.raw)
	}
}

// TestStockClientLibrary registers through oauth4webapi, a stock client
// library, which must accept every answer (examples/clients/oauth4webapi).
// `make test` installs its package with npm ci first.
func TestStockClientLibrary(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "clients", "oauth4webapi")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oauth4webapi")); err != nil {
		t.Fatalf("oauth4webapi is not installed: run `make test`, or `npm ci --prefix %s` (%v)", dir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for this test (Node 20 or later): %v", err)
	}
	s := startServer(t)
	cmd := exec.Command(node, "register.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REGISTRAR_URL="+s.url, "REGISTRAR_TOKEN="+initialToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("oauth4webapi refused an answer: %v\n%s", err, out)
	}
	var res struct {
		Native       struct{ Secret bool }
		Web          struct{ Secret bool }
		Invalid      string
		Unauthorized string
		Missing      struct {
			Realm string
			Error *string
			Body  string
		}
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("unexpected output %q: %v", out, err)
	}
	if res.Native.Secret || !res.Web.Secret || res.Invalid != "invalid_redirect_uri" || res.Unauthorized != "invalid_token" ||
		res.Missing.Realm != "registrar" || res.Missing.Error != nil || res.Missing.Body != "invalid_token" {
		t.Errorf("oauth4webapi saw %+v", res)
	}
}

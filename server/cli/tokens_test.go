package cli_test

import (
	"encoding/json"
	"github.com/registrar-dcr/registrar/internal/testlog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// workedExample lays out examples/config/profiles.hcl as in the
// repository, on a free port, and returns its path and base URL.
func workedExample(t *testing.T) (path, base string) {
	t.Helper()
	src, err := os.ReadFile("../../examples/config/profiles.hcl")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := strings.ReplaceAll(string(src), "127.0.0.1:8080", addr)
	root := t.TempDir()
	dir := filepath.Join(root, "examples", "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "profiles.hcl")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, "http://" + addr
}

// serveBinary runs "registrar serve" until the test ends.
func serveBinary(t *testing.T, path, base string, env []string) *testlog.Buffer {
	t.Helper()
	return serveBinaryArgs(t, base, env, "serve", "-config", path)
}

// serveBinaryArgs runs the binary with args until the test ends, and
// returns once base/readyz answers 200.
func serveBinaryArgs(t *testing.T, base string, env []string, args ...string) *testlog.Buffer {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	logs := &testlog.Buffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for range 200 {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return logs
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server never became ready:\n%s", logs.String())
	return nil
}

func register(t *testing.T, base, token string, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/connect/dcr", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

// TestWorkedExample follows the README's "Who may register" section with
// the built binary: a one-use token from the CLI admits one partner, the
// second registration with it fails, the token is listed without its
// value and revoked; an anonymous MCP client registers; a CI pipeline
// registers with a locally signed JWT and is refused without the scope.
func TestWorkedExample(t *testing.T) {
	path, base := workedExample(t)
	keys := t.TempDir()
	devjwt := filepath.Join(t.TempDir(), "devjwt")
	if out, err := exec.Command("go", "build", "-o", devjwt, "../../examples/devjwt").CombinedOutput(); err != nil {
		t.Fatalf("build devjwt: %v\n%s", err, out)
	}
	mint := func(scope string) string {
		out, err := exec.Command(devjwt, "-dir", keys, "-iss", "https://auth.example.test", "-aud", base, "-scope", scope).Output()
		if err != nil {
			t.Fatalf("devjwt: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	ciToken := mint("dcr:register")
	jwks, err := os.ReadFile(filepath.Join(keys, "jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"REGISTRAR_CI_JWKS=" + string(jwks)}

	// The operator issues a one-use token (the server need not run).
	out, errOut, code := run(t, env, "token", "create", "-config", path, "-profile", "partners", "-expires", "24h", "-uses", "1")
	token := strings.TrimSpace(out)
	if code != 0 || len(token) != 43 || !strings.Contains(errOut, "shown once") {
		t.Fatalf("token create: exit %d, %q, %q", code, out, errOut)
	}
	if _, errOut, code := run(t, env, "token", "create", "-config", path, "-profile", "mcp"); code != 1 || !strings.Contains(errOut, "issued_tokens") {
		t.Errorf("token for a profile without issued_tokens: exit %d, %q", code, errOut)
	}
	if _, errOut, code := run(t, env, "token", "create", "-config", path, "-profile", "nope"); code != 1 || !strings.Contains(errOut, `no profile "nope"`) {
		t.Errorf("token for an unknown profile: exit %d, %q", code, errOut)
	}

	logs := serveBinary(t, path, base, env)
	partner := `{"client_name": "Partner", "redirect_uris": ["https://partner.example.com/cb"]}`
	if st, body, _ := register(t, base, token, partner); st != 201 || body["client_secret"] == nil {
		t.Fatalf("first registration with the token: %d %v", st, body)
	}
	st, body, hd := register(t, base, token, partner)
	if st != 401 || body["error"] != "invalid_token" || !strings.Contains(hd.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("second registration with a one-use token: %d %v %v", st, body, hd)
	}

	out, _, code = run(t, env, "token", "list", "-config", path)
	if code != 0 || !strings.Contains(out, "partners") || !strings.Contains(out, "1/1") || !strings.Contains(out, "used up") || strings.Contains(out, token) {
		t.Fatalf("token list: exit %d\n%s", code, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	out2, _, _ := run(t, env, "token", "create", "-config", path, "-profile", "partners", "-uses", "0", "-expires", "0")
	unlimited := strings.TrimSpace(out2)
	lines := strings.Split(strings.TrimSpace(mustRun(t, env, "token", "list", "-config", path)), "\n")
	var id2 string
	for _, l := range lines[1:] {
		if f := strings.Fields(l); f[0] != id {
			id2 = f[0]
		}
	}
	if out, _, code := run(t, env, "token", "revoke", "-config", path, id2); code != 0 || !strings.Contains(out, "revoked "+id2) {
		t.Fatalf("token revoke: exit %d, %q", code, out)
	}
	if st, _, _ := register(t, base, unlimited, partner); st != 401 {
		t.Errorf("registration with a revoked token: %d", st)
	}
	if _, errOut, code := run(t, env, "token", "revoke", "-config", path, "iat_0000000000000000"); code != 1 || !strings.Contains(errOut, "no token") {
		t.Errorf("revoke unknown: exit %d, %q", code, errOut)
	}

	native := `{"client_name": "MCP client", "redirect_uris": ["http://127.0.0.1:33418/callback"], "token_endpoint_auth_method": "none"}`
	if st, body, _ := register(t, base, "", native); st != 201 || body["client_secret"] != nil || body["scope"] != "openid mcp" {
		t.Errorf("anonymous MCP registration: %d %v", st, body)
	}
	// A Cursor-like client sends no application_type; the mcp profile
	// infers "native" from its redirect URIs (infer_native_application_type).
	cursor := `{"client_name": "Cursor-like", "token_endpoint_auth_method": "none",
		"redirect_uris": ["cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback", "http://127.0.0.1:33419/callback"]}`
	if st, body, _ := register(t, base, "", cursor); st != 201 || body["application_type"] != "native" {
		t.Errorf("anonymous MCP registration without application_type: %d %v", st, body)
	}
	ci := `{"client_name": "nightly", "grant_types": ["client_credentials"], "response_types": []}`
	if st, body, _ := register(t, base, ciToken, ci); st != 201 || body["scope"] != "api" {
		t.Errorf("CI registration with a bearer JWT: %d %v", st, body)
	}
	if st, body, _ := register(t, base, mint("openid"), ci); st != 403 || body["error"] != "insufficient_scope" {
		t.Errorf("CI registration without the scope: %d %v", st, body)
	}
	for _, secret := range []string{token, unlimited, ciToken} {
		if strings.Contains(logs.String(), secret) {
			t.Fatal("a token appears in the server log")
		}
	}
}

func mustRun(t *testing.T, env []string, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, env, args...)
	if code != 0 {
		t.Fatalf("registrar %v: exit %d\n%s", args, code, errOut)
	}
	return out
}

package cli_test

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestClientScanAndDelete: the operator's tools for records an older
// version stored (README, "Upgrading"). With the worked example's SQLite
// store and a running server, rows written as an older version might have
// written them are put beside a client registered over HTTP: one whose
// record no longer decodes, one whose metadata the current parse rules
// refuse, one whose profile is gone and one whose jwks holds a private key.
// "registrar client scan" lists exactly those four, by client_id and
// reason, never a stored secret, and exits 1; "registrar client delete"
// removes each, the undecodable one included, and the registered client
// too (its registration access token then fails); the scan of what is
// left exits 0.
func TestClientScanAndDelete(t *testing.T) {
	path, base := workedExample(t)
	env := []string{`REGISTRAR_CI_JWKS={"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",` +
		`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`}
	serveBinary(t, path, base, env)
	st, body, _ := register(t, base, "", `{"client_name": "MCP client", "redirect_uris": ["http://127.0.0.1:33418/callback"], "token_endpoint_auth_method": "none"}`)
	good, _ := body["client_id"].(string)
	rat, _ := body["registration_access_token"].(string)
	if st != 201 || good == "" || rat == "" {
		t.Fatalf("anonymous registration: %d %v", st, body)
	}

	const (
		secretHash = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"
		privateD   = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
	)
	ecKey := `"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"`
	old := []struct{ id, profile, data, want string }{
		{"old-undecodable", "mcp",
			`{"client_id":"old-undecodable","metadata":{"client_name":42},"client_secret_hash":"` + secretHash + `","profile":"mcp"}`,
			"does not decode"},
		{"old-control-char", "mcp",
			`{"client_id":"old-control-char","metadata":{"client_name":"a\u0001b","redirect_uris":["http://127.0.0.1:1/cb"]},"client_secret_hash":"` + secretHash + `","profile":"mcp"}`,
			"would be refused in an update"},
		{"old-retired-profile", "retired",
			`{"client_id":"old-retired-profile","metadata":{"redirect_uris":["http://127.0.0.1:1/cb"]},"profile":"retired"}`,
			`profile retired is not configured`},
		{"old-private-jwks", "ci",
			`{"client_id":"old-private-jwks","metadata":{"jwks":{"keys":[{` + ecKey + `,"d":"` + privateD + `"}]},"token_endpoint_auth_method":"private_key_jwt"},"profile":"ci"}`,
			"jwks"},
	}
	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(path), "..", "..", "data", "registrar.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, o := range old {
		if _, err := db.Exec(`INSERT INTO clients (client_id, profile, revision, data) VALUES (?, ?, 3, ?)`, o.id, o.profile, o.data); err != nil {
			t.Fatalf("insert %s: %v", o.id, err)
		}
	}

	out, errOut, code := run(t, env, "client", "scan", "-config", path)
	if code != 1 {
		t.Fatalf("client scan: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, o := range old {
		if !strings.Contains(out, o.id+": ") || !containsLine(out, o.id+": ", o.want) {
			t.Errorf("client scan does not report %s (%s):\n%s", o.id, o.want, out)
		}
	}
	if strings.Contains(out, good) {
		t.Errorf("client scan reports the registered client %s:\n%s", good, out)
	}
	if !strings.Contains(errOut, "5 clients read, 4 to review") {
		t.Errorf("client scan summary: %q", errOut)
	}
	for _, secret := range []string{secretHash, privateD, rat} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("client scan prints a stored secret (%s…):\n%s%s", secret[:8], out, errOut)
		}
	}

	for _, o := range old {
		if out, errOut, code := run(t, env, "client", "delete", "-config", path, "--", o.id); code != 0 || !strings.Contains(out, `deleted client "`+o.id+`"`) {
			t.Errorf("client delete %s: exit %d, %q, %q", o.id, code, out, errOut)
		}
	}
	if _, errOut, code := run(t, env, "client", "delete", "-config", path, "old-undecodable"); code != 1 || !strings.Contains(errOut, `no client "old-undecodable"`) {
		t.Errorf("second delete: exit %d, %q", code, errOut)
	}
	// A client_id may begin with "-" (base64url): after --, it is an id.
	if _, errOut, code := run(t, env, "client", "delete", "-config", path, "--", "-dash-first"); code != 1 || !strings.Contains(errOut, `no client "-dash-first"`) {
		t.Errorf("delete of an id beginning with -: exit %d, %q", code, errOut)
	}
	if out, errOut, code := run(t, env, "client", "scan", "-config", path); code != 0 || out != "" || !strings.Contains(errOut, "1 clients read, 0 to review") {
		t.Errorf("client scan after the deletes: exit %d, %q, %q", code, out, errOut)
	}

	if out, errOut, code := run(t, env, "client", "delete", "-config", path, "--", good); code != 0 {
		t.Fatalf("client delete %s: exit %d, %q, %q", good, code, out, errOut)
	}
	req, _ := http.NewRequest("GET", base+"/connect/dcr/"+good, nil)
	req.Header.Set("Authorization", "Bearer "+rat)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("read of the deleted client: %d, want 401", resp.StatusCode)
	}

	for _, args := range [][]string{
		{"client", "delete", "-config", path},
		{"client", "delete", "-config", path, "a", "b"},
		{"client", "scan", "-config", path, "extra"},
	} {
		if _, _, code := run(t, env, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if out, _, code := run(t, env, "client", "help"); code != 0 || !strings.Contains(out, "client delete") || !strings.Contains(out, "client scan") {
		t.Errorf("client help: exit %d, %q", code, out)
	}
}

// containsLine reports whether a line of out starts with prefix and
// contains want.
func containsLine(out, prefix, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, want) {
			return true
		}
	}
	return false
}

package cli_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestClientRevokeToken: the operator's answer to a revocation the server
// could not write (README, "HTTP API"): "registrar client revoke-token"
// kills a client's registration access token in the store of a running
// server, at once; a second run says it was already revoked; an unknown
// client is an error.
func TestClientRevokeToken(t *testing.T) {
	path, base := workedExample(t)
	// The worked example's CI profile needs a JWK Set; any public key does.
	env := []string{`REGISTRAR_CI_JWKS={"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",` +
		`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`}
	serveBinary(t, path, base, env)
	native := `{"client_name": "MCP client", "redirect_uris": ["http://127.0.0.1:33418/callback"], "token_endpoint_auth_method": "none"}`
	st, body, _ := register(t, base, "", native)
	id, _ := body["client_id"].(string)
	token, _ := body["registration_access_token"].(string)
	if st != 201 || id == "" || token == "" {
		t.Fatalf("anonymous registration: %d %v", st, body)
	}
	read := func() int {
		req, _ := http.NewRequest("GET", base+"/connect/dcr/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := read(); got != 200 {
		t.Fatalf("read before the revocation: %d", got)
	}

	out, errOut, code := run(t, env, "client", "revoke-token", "-config", path, "--", id)
	if code != 0 || !strings.Contains(out, "revoked the registration access token of "+id) {
		t.Fatalf("client revoke-token: exit %d, %q, %q", code, out, errOut)
	}
	if got := read(); got != 401 {
		t.Fatalf("read after the revocation: %d, want 401", got)
	}
	if out, _, code := run(t, env, "client", "revoke-token", "-config", path, "--", id); code != 0 || !strings.Contains(out, "already revoked") {
		t.Errorf("second revocation: exit %d, %q", code, out)
	}
	if _, errOut, code := run(t, env, "client", "revoke-token", "-config", path, "no-such-client"); code != 1 || !strings.Contains(errOut, `no client "no-such-client"`) {
		t.Errorf("unknown client: exit %d, %q", code, errOut)
	}
	if _, _, code := run(t, env, "client", "revoke-token", "-config", path); code != 2 {
		t.Errorf("without a client id: exit %d, want 2", code)
	}
	if out, _, code := run(t, env, "client", "help"); code != 0 || !strings.Contains(out, "revoke-token") {
		t.Errorf("client help: exit %d, %q", code, out)
	}
}

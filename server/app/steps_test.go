package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stepsConfig has an anonymous profile for MCP clients, like the "mcp"
// profile of examples/config/profiles.hcl, with
// infer_native_application_type set to INFER, and a token-protected profile
// whose policy allows the implicit flow and http redirect URIs.
const stepsConfig = `
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
}
store "sqlite" {
  path = "registrar.db"
}
profile "mcp" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types                   = ["authorization_code", "refresh_token"]
    response_types                = ["code"]
    token_endpoint_auth_methods   = ["none"]
    scopes                        = ["openid", "profile", "offline_access", "mcp"]
    default_scope                 = "openid mcp"
    infer_native_application_type = INFER
  }
}
profile "apps" {
  authentication {
    initial_access_token "apps" {
      token = env("E2E_INITIAL_ACCESS_TOKEN")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "implicit", "refresh_token", "client_credentials"]
    response_types              = ["code", "token", "id_token", "code id_token"]
    token_endpoint_auth_methods = ["client_secret_basic", "private_key_jwt", "none"]
    allow_http_redirects        = true
  }
}
`

func startStepsServer(t *testing.T, infer bool) *server {
	t.Helper()
	v := "false"
	if infer {
		v = "true"
	}
	s, err := startServerWith(t, strings.Replace(stepsConfig, "INFER", v, 1))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const cursorCallback = "cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback"

// TestValidationSteps runs the rules of issue 9 items 11 to 14 and 18
// through the real handler, with golden answers.
func TestValidationSteps(t *testing.T) {
	inferring, plain := startStepsServer(t, true), startStepsServer(t, false)
	cursorLike := map[string]any{
		"client_name":                "Cursor-like",
		"redirect_uris":              []string{cursorCallback, "http://127.0.0.1:33419/callback"},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_method": "none",
	}
	tests := []struct {
		name   string
		srv    *server
		token  string
		body   any
		status int
		code   string
	}{
		// Item 18: a Cursor-like client without application_type.
		{name: "mcp_inferred_native_create", srv: inferring, body: cursorLike, status: 201},
		{name: "error_mcp_without_inference", srv: plain, body: cursorLike, status: 400, code: "invalid_redirect_uri"},
		// Item 11: the implicit flow never on loopback, even with
		// allow_http_redirects.
		{name: "error_implicit_loopback_redirect", srv: plain, token: initialToken, body: map[string]any{
			"redirect_uris": []string{"http://127.0.0.1:3000/cb"}, "grant_types": []string{"implicit"}, "response_types": []string{"token"},
			"token_endpoint_auth_method": "none",
		}, status: 400, code: "invalid_redirect_uri"},
		// Item 13: redirect URIs on a client_credentials client.
		{name: "error_redirect_without_redirect_grant", srv: plain, token: initialToken, body: map[string]any{
			"redirect_uris": []string{"https://app.example.com/cb"}, "grant_types": []string{"client_credentials"}, "response_types": []string{},
		}, status: 400, code: "invalid_redirect_uri"},
		// Item 12: signed request objects the server could never verify.
		{name: "error_unverifiable_request_object", srv: plain, token: initialToken, body: map[string]any{
			"redirect_uris": []string{"https://app.example.com/cb"}, "require_signed_request_object": true,
		}, status: 400, code: "invalid_client_metadata"},
		// Item 14: Duende's spellings only, echoed as sent.
		{name: "error_duende_enum_spelling", srv: plain, token: initialToken, body: map[string]any{
			"redirect_uris": []string{"https://app.example.com/cb"}, "access_token_type": "jwt",
		}, status: 400, code: "invalid_client_metadata"},
		{name: "duende_enums_create", srv: plain, token: initialToken, body: map[string]any{
			"redirect_uris": []string{"https://app.example.com/cb"}, "refresh_token_usage": "OneTimeOnly",
			"refresh_token_expiration": "Sliding", "access_token_type": "Reference",
		}, status: 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.srv.do(t, "POST", "/connect/dcr", tc.token, tc.body)
			expect(t, a, tc.status, tc.code)
			golden(t, tc.name, a)
			if tc.status != http.StatusCreated {
				return
			}
			// What GET returns, PUT accepts unchanged (RFC 7592 §2.2).
			id, rat := a.str("client_id"), a.str("registration_access_token")
			read := tc.srv.do(t, "GET", "/connect/dcr/"+id, rat, nil)
			expect(t, read, http.StatusOK, "")
			upd := map[string]any{}
			for k, v := range read.body {
				switch k {
				case "registration_access_token", "registration_client_uri", "client_id_issued_at", "client_secret_expires_at":
				default:
					upd[k] = v
				}
			}
			expect(t, tc.srv.do(t, "PUT", "/connect/dcr/"+id, rat, upd), http.StatusOK, "")
		})
	}
}

// TestMCPSDKRegisterClient registers public native clients through
// registerClient of the MCP TypeScript SDK (examples/clients/mcp-sdk), with
// and without application_type, and checks the SDK accepts every answer
// (issue 9, "Proof that stays"). `make test` installs the SDK with npm ci
// first.
func TestMCPSDKRegisterClient(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "clients", "mcp-sdk")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("@modelcontextprotocol/sdk is not installed: run `make node-deps`, or `npm ci --prefix %s` (%v)", dir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for this test (Node 20 or later): %v", err)
	}
	inferring, plain := startStepsServer(t, true), startStepsServer(t, false)
	cmd := exec.Command(node, "register.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REGISTRAR_URL="+inferring.url, "REGISTRAR_URL_NO_INFER="+plain.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the MCP SDK refused an answer: %v\n%s", err, out)
	}
	type reg struct {
		ApplicationType string `json:"application_type"`
		Secret          bool   `json:"secret"`
	}
	var got struct {
		Native, Inferred, Loopback reg
		Refused                    string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &got); err != nil {
		t.Fatalf("unexpected output %q: %v", out, err)
	}
	native := reg{ApplicationType: "native"}
	if got.Native != native || got.Inferred != native || got.Loopback != native || got.Refused != "invalid_redirect_uri" {
		t.Errorf("the MCP SDK saw %+v", got)
	}
}

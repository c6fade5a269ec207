package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/internal/hydratest"
)

// TestMCPAuthThroughHydra runs the MCP TypeScript SDK's whole client
// authorization, auth() (examples/clients/mcp-sdk/auth.mjs), as an MCP
// client on the user's machine would: the MCP server's protected resource
// metadata (RFC 9728) names Hydra as its authorization server; Hydra's
// discovery names Registrar as its registration_endpoint
// (webfinger.oidc_discovery.client_registration_url); the SDK registers
// there, Registrar provisions the client into Hydra, and the SDK's
// authorization URL at Hydra completes a code flow with PKCE (the test
// plays the browser, login and consent), the SDK exchanging the code at
// Hydra's token endpoint. Hydra's introspection then knows the token as
// the registered client's.
func TestMCPAuthThroughHydra(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required for the MCP SDK check (install Node.js 20 or later)")
	}
	dir := filepath.Join("..", "..", "examples", "clients", "mcp-sdk")

	// Registrar's address is fixed first: Hydra advertises it.
	h0 := &registrarAddr{}
	h0.pick(t)
	h := hydratest.Start(t, hydratest.WithLoginURL("http://127.0.0.1:9/login"),
		hydratest.WithConsentURL("http://127.0.0.1:9/consent"),
		hydratest.WithSetting("webfinger.oidc_discovery.client_registration_url", h0.url+"/connect/dcr"))
	proxy := newAdminProxy(t, h)
	reg := newRegistrarAt(t, proxy, setup{}, h0.addr)
	reg.start()

	// The MCP server: only its protected resource metadata matters here.
	mcp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/.well-known/oauth-protected-resource") {
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+"http://"+r.Host+`/.well-known/oauth-protected-resource/mcp"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"resource":              "http://" + r.Host + "/mcp",
			"authorization_servers": []string{h.Issuer},
			"scopes_supported":      []string{"openid", "offline_access"},
		})
	}))
	t.Cleanup(mcp.Close)

	redirect := "http://127.0.0.1:33418/callback"
	cmd := exec.Command(node, "auth.mjs")
	cmd.Dir = dir
	cmd.Env = []string{"MCP_SERVER_URL=" + mcp.URL + "/mcp", "REDIRECT_URL=" + redirect, "PATH=" + filepath.Dir(node)}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	next := func() map[string]any {
		t.Helper()
		got := make(chan bool, 1)
		go func() { got <- lines.Scan() }()
		select {
		case ok := <-got:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("auth.mjs ended early:\n%s\nRegistrar's log:\n%s", stderr.String(), reg.logs.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("auth.mjs said nothing for 60s:\n%s", stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("auth.mjs printed %q: %v", lines.Text(), err)
		}
		return m
	}

	start := next()
	authURL, _ := start["authorization_url"].(string)
	if !strings.HasPrefix(authURL, h.PublicURL+"/oauth2/auth?") {
		t.Fatalf("the SDK's authorization URL %q is not Hydra's authorization endpoint", authURL)
	}
	u, _ := url.Parse(authURL)
	clientID := u.Query().Get("client_id")
	if u.Query().Get("code_challenge_method") != "S256" || clientID == "" {
		t.Fatalf("authorization URL without PKCE S256 or client_id: %s", authURL)
	}
	if !hydraHas(t, h, clientID) || reg.storedClients() != 1 {
		t.Fatalf("the SDK's registration %s is not in both Registrar and Hydra", clientID)
	}
	back, err := h.Browse(t.Context(), authURL, "mcp-user")
	if err != nil {
		t.Fatalf("authorization at Hydra: %v", err)
	}
	if base := back.Scheme + "://" + back.Host + back.Path; base != redirect {
		t.Fatalf("Hydra sent the browser to %s, want %s", back, redirect)
	}
	if _, err := io.WriteString(stdin, back.String()+"\n"); err != nil {
		t.Fatal(err)
	}
	done := next()
	if done["client_id"] != clientID || done["registered_secret"] != false {
		t.Fatalf("auth.mjs result %v", done)
	}
	access, _ := done["access_token"].(string)
	if access == "" {
		t.Fatalf("no access token: %v", done)
	}
	active, client := introspect(t, h, access)
	if !active || client != clientID {
		t.Fatalf("Hydra introspects the SDK's token as active=%v client %q, want the registered client %s", active, client, clientID)
	}
	noSecretsLogged(t, reg.logs.String(), access)
}

// registrarAddr is a free loopback address chosen before Registrar starts.
type registrarAddr struct{ addr, url string }

func (a *registrarAddr) pick(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.addr = ln.Addr().String()
	a.url = "http://" + a.addr
	ln.Close()
}

// introspect asks Hydra's admin introspection endpoint (RFC 7662) about
// an access token.
func introspect(t *testing.T, h *hydratest.Server, token string) (active bool, clientID string) {
	t.Helper()
	resp, err := http.PostForm(h.AdminURL+"/admin/oauth2/introspect", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(fmt.Errorf("introspection: status %d: %w", resp.StatusCode, err))
	}
	return out.Active, out.ClientID
}

package hydratest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/registrar-dcr/registrar/internal/hydratest"
)

// client talks to Hydra directly, never through a proxy, and does not
// follow redirects, so that a test sees where Hydra sends the browser.
var client = &http.Client{
	Transport:     &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// call sends a request and decodes a JSON answer into out (when not nil),
// failing the test unless the status is want.
func call(t *testing.T, req *http.Request, want int, out any) *http.Response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v: %s", req.Method, req.URL.Path, err, body)
		}
	}
	return resp
}

func newRequest(t *testing.T, method, u, contentType string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// createClient creates a client through Hydra's admin API with the id and
// secret the caller chose, as the upstream step will.
func createClient(t *testing.T, h *hydratest.Server, c map[string]any) {
	t.Helper()
	body, _ := json.Marshal(c)
	var got struct {
		ClientID string `json:"client_id"`
	}
	call(t, newRequest(t, http.MethodPost, h.AdminURL+"/admin/clients", "application/json", body), http.StatusCreated, &got)
	if got.ClientID != c["client_id"] {
		t.Fatalf("Hydra created client %q, want the id we chose, %q", got.ClientID, c["client_id"])
	}
}

// token asks Hydra's token endpoint for a client_credentials token with
// client_secret_basic (RFC 6749 §2.3.1, §4.4) and returns the status and
// the answer.
func token(t *testing.T, h *hydratest.Server, id, secret string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"registrar.smoke"}}
	req := newRequest(t, http.MethodPost, h.PublicURL+"/oauth2/token", "application/x-www-form-urlencoded", []byte(form.Encode()))
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token: status %d: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// TestClientCredentials proves the harness end to end: a client created
// through the admin API with our client_id and client_secret obtains a
// client_credentials token at the public token endpoint, introspection
// says it is active and names the client, a wrong secret is refused, and
// the running binary is the pinned Version, with the default issuer.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	h := hydratest.Start(t)
	const id, secret = "smoke-client", "smoke-secret-0123456789abcdefghij"
	createClient(t, h, map[string]any{
		"client_id":                  id,
		"client_secret":              secret,
		"grant_types":                []string{"client_credentials"},
		"response_types":             []string{"token"},
		"token_endpoint_auth_method": "client_secret_basic",
		"scope":                      "registrar.smoke",
	})

	status, tok := token(t, h, id, secret)
	if status != http.StatusOK {
		t.Fatalf("token: status %d: %v", status, tok)
	}
	access, _ := tok["access_token"].(string)
	if access == "" || !strings.EqualFold(tok["token_type"].(string), "bearer") {
		t.Fatalf("token answer %v: want a bearer access_token", tok)
	}

	var intro struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		Issuer   string `json:"iss"`
	}
	form := url.Values{"token": {access}}
	call(t, newRequest(t, http.MethodPost, h.AdminURL+"/admin/oauth2/introspect", "application/x-www-form-urlencoded", []byte(form.Encode())), http.StatusOK, &intro)
	if !intro.Active || intro.ClientID != id || intro.Scope != "registrar.smoke" {
		t.Errorf("introspection = %+v, want active, client_id %q, scope registrar.smoke", intro, id)
	}

	for name, c := range map[string]struct{ id, secret string }{
		"wrong secret":   {id, secret + "x"},
		"unknown client": {"no-such-client", secret},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := token(t, h, c.id, c.secret)
			if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
				t.Errorf("token: status %d %v, want 401 invalid_client", status, body)
			}
		})
	}

	var disc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	call(t, newRequest(t, http.MethodGet, h.PublicURL+"/.well-known/openid-configuration", "", nil), http.StatusOK, &disc)
	if disc.Issuer != strings.TrimSuffix(h.Issuer, "/") && disc.Issuer != h.Issuer {
		t.Errorf("discovery issuer %q, want %q", disc.Issuer, h.Issuer)
	}
	if disc.TokenEndpoint != h.PublicURL+"/oauth2/token" {
		t.Errorf("discovery token_endpoint %q, want %s/oauth2/token", disc.TokenEndpoint, h.PublicURL)
	}

	var version struct {
		Version string `json:"version"`
	}
	call(t, newRequest(t, http.MethodGet, h.AdminURL+"/version", "", nil), http.StatusOK, &version)
	if version.Version != hydratest.Version {
		t.Errorf("Hydra reports version %q, want %s", version.Version, hydratest.Version)
	}
}

// TestConfiguredURLs proves that the issuer, the login and consent apps
// and a further setting reach Hydra: discovery names the configured issuer
// and registration endpoint, and an authorization code flow goes through
// the configured login and consent URLs to an ID token from the configured
// issuer.
func TestConfiguredURLs(t *testing.T) {
	t.Parallel()
	const (
		issuer   = "https://as.registrar.test/"
		login    = "http://127.0.0.1:9/login"
		consent  = "http://127.0.0.1:9/consent"
		register = "https://registrar.test/register"
	)
	h := hydratest.Start(t,
		hydratest.WithIssuer(issuer),
		hydratest.WithLoginURL(login),
		hydratest.WithConsentURL(consent),
		hydratest.WithSetting("webfinger.oidc_discovery.client_registration_url", register))

	var disc struct {
		Issuer               string `json:"issuer"`
		RegistrationEndpoint string `json:"registration_endpoint"`
	}
	call(t, newRequest(t, http.MethodGet, h.PublicURL+"/.well-known/openid-configuration", "", nil), http.StatusOK, &disc)
	if strings.TrimSuffix(disc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		t.Errorf("discovery issuer %q, want %q", disc.Issuer, issuer)
	}
	if disc.RegistrationEndpoint != register {
		t.Errorf("discovery registration_endpoint %q, want %q", disc.RegistrationEndpoint, register)
	}

	// A public native client (RFC 8252) completes an authorization code
	// flow with PKCE S256 (RFC 7636 Appendix B's verifier), the test playing
	// the login and consent apps: Hydra must send the browser to the
	// configured URLs, and the ID token must name the configured issuer.
	const (
		redirect  = "http://127.0.0.1:8080/callback"
		verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
		challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
		state     = "state-0123456789"
	)
	createClient(t, h, map[string]any{
		"client_id":                  "native-app",
		"grant_types":                []string{"authorization_code"},
		"response_types":             []string{"code"},
		"redirect_uris":              []string{redirect},
		"token_endpoint_auth_method": "none",
		"scope":                      "openid",
	})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Transport: client.Transport, CheckRedirect: client.CheckRedirect, Jar: jar}
	// redirected sends the browser's GET and returns where Hydra sends it
	// (302 or 303).
	redirected := func(u string) *url.URL {
		t.Helper()
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if (resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther) || err != nil {
			t.Fatalf("GET %s: status %d, Location %q, want a 302 or 303", resp.Request.URL.Path, resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc
	}
	// accept accepts a login or consent request through the admin API and
	// returns where Hydra sends the browser next.
	accept := func(kind, challenge string, body map[string]any) string {
		t.Helper()
		b, _ := json.Marshal(body)
		u := h.AdminURL + "/admin/oauth2/auth/requests/" + kind + "/accept?" + kind + "_challenge=" + url.QueryEscape(challenge)
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		call(t, newRequest(t, http.MethodPut, u, "application/json", b), http.StatusOK, &out)
		return out.RedirectTo
	}
	base := func(u *url.URL) string { return u.Scheme + "://" + u.Host + u.Path }

	q := url.Values{
		"client_id": {"native-app"}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {"openid"}, "state": {state}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	loc := redirected(h.PublicURL + "/oauth2/auth?" + q.Encode())
	if base(loc) != login || loc.Query().Get("login_challenge") == "" {
		t.Fatalf("authorization request redirected to %s, want %s?login_challenge=...", loc, login)
	}
	loc = redirected(accept("login", loc.Query().Get("login_challenge"), map[string]any{"subject": "user-1"}))
	if base(loc) != consent || loc.Query().Get("consent_challenge") == "" {
		t.Fatalf("login redirected to %s, want %s?consent_challenge=...", loc, consent)
	}
	loc = redirected(accept("consent", loc.Query().Get("consent_challenge"), map[string]any{"grant_scope": []string{"openid"}}))
	if base(loc) != redirect || loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
		t.Fatalf("consent redirected to %s, want %s?code=...&state=%s", loc, redirect, state)
	}

	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect},
		"client_id": {"native-app"}, "code_verifier": {verifier},
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	call(t, newRequest(t, http.MethodPost, h.PublicURL+"/oauth2/token", "application/x-www-form-urlencoded", []byte(form.Encode())), http.StatusOK, &tok)
	parts := strings.Split(tok.IDToken, ".")
	if tok.AccessToken == "" || len(parts) != 3 {
		t.Fatalf("token answer: access_token %q, id_token %q: want both", tok.AccessToken, tok.IDToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Issuer  string `json:"iss"`
		Subject string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSuffix(claims.Issuer, "/") != strings.TrimSuffix(issuer, "/") || claims.Subject != "user-1" {
		t.Errorf("ID token iss %q sub %q, want %q and user-1", claims.Issuer, claims.Subject, issuer)
	}
}

// TestToolModulePinsVersion keeps the tool module and Version in step: the
// module requires exactly Version as a tool, with Ory's pop fork that
// Hydra's own go.mod uses.
func TestToolModulePinsVersion(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("hydra", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod := string(b)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^tool github\.com/ory/hydra/v2$`),
		regexp.MustCompile(`(?m)^\s+github\.com/ory/hydra/v2 ` + regexp.QuoteMeta(hydratest.Version) + `( // indirect)?$`),
		regexp.MustCompile(`(?m)^replace github\.com/gobuffalo/pop/v6 => github\.com/ory/pop/v6 v6\.2\.1-0\.20241121111754-e5dfc0f3344b$`),
	} {
		if !want.MatchString(mod) {
			t.Errorf("hydra/go.mod does not match %s", want)
		}
	}
}

// TestHydraStaysOutOfTheWorkspace keeps Hydra's dependencies where they
// belong: the tool module is not a module of the go.work, and no module of
// the workspace requires Hydra, so neither the server, the SDK nor a plugin
// builds with them.
func TestHydraStaysOutOfTheWorkspace(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}}", "all").Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	mods := strings.Fields(string(out))
	if len(mods) < 20 || !slices.Contains(mods, "github.com/registrar-dcr/registrar/sdk") {
		t.Fatalf("go list -m all printed %d modules, not the workspace's: %v", len(mods), mods)
	}
	for _, m := range mods {
		if m == "github.com/ory/hydra/v2" || strings.HasSuffix(m, "/hydratest/hydra") {
			t.Errorf("the workspace's build list holds %s: the Hydra tool module must stay out of go.work and of every go.mod", m)
		}
	}
}

// recorder is a testing.TB whose Errorf is recorded instead of failing the
// test, to see what Start reports at cleanup.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestTripwire proves that Hydra cannot reach the network unnoticed: a
// client whose sector_identifier_uri names a host off loopback makes Hydra
// fetch it (OIDC Dynamic Client Registration §5), the tripwire proxy
// refuses the request, Hydra refuses the client, and Start fails the test
// at cleanup naming the host.
func TestTripwire(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	t.Run("hydra", func(t *testing.T) {
		rec.TB = t
		h := hydratest.Start(rec)
		body, _ := json.Marshal(map[string]any{
			"client_id":             "sector-client",
			"redirect_uris":         []string{"https://app.registrar.test/cb"},
			"sector_identifier_uri": "https://sector.registrar.test/uris.json",
			"subject_type":          "pairwise",
		})
		call(t, newRequest(t, http.MethodPost, h.AdminURL+"/admin/clients", "application/json", body), http.StatusBadRequest, nil)
	})
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "CONNECT sector.registrar.test:443") {
		t.Errorf("Start reported %q at cleanup, want the tripped CONNECT sector.registrar.test:443", rec.errors)
	}
}

// TestFlows runs the exported flows against a real Hydra: a confidential
// client gets a client_credentials token and a wrong secret does not; a
// public client completes a code flow with PKCE; an unregistered redirect
// URI is refused with an *AuthorizeError.
func TestFlows(t *testing.T) {
	t.Parallel()
	h := hydratest.Start(t, hydratest.WithLoginURL("http://127.0.0.1:9/login"),
		hydratest.WithConsentURL("http://127.0.0.1:9/consent"))
	ctx := t.Context()
	createClient(t, h, map[string]any{
		"client_id": "conf", "client_secret": "conf-secret-0123456789abcdefghij",
		"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "client_secret_basic", "scope": "api",
	})
	const redirect = "http://127.0.0.1:8123/cb"
	createClient(t, h, map[string]any{
		"client_id": "pub", "grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
		"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none", "scope": "openid",
	})
	tests := []struct {
		name     string
		run      func() (hydratest.TokenAnswer, error)
		wantOK   bool
		wantCode string
	}{
		{name: "client credentials", wantOK: true, run: func() (hydratest.TokenAnswer, error) {
			return h.ClientCredentials(ctx, "conf", "conf-secret-0123456789abcdefghij", "api")
		}},
		{name: "wrong secret", wantCode: "invalid_client", run: func() (hydratest.TokenAnswer, error) {
			return h.ClientCredentials(ctx, "conf", "not-the-secret", "api")
		}},
		{name: "code flow with PKCE", wantOK: true, run: func() (hydratest.TokenAnswer, error) {
			return h.AuthorizationCode(ctx, hydratest.CodeFlow{ClientID: "pub", RedirectURI: redirect, Scope: "openid"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.run()
			if err != nil {
				t.Fatal(err)
			}
			if a.OK() != tc.wantOK || a.Error() != tc.wantCode {
				t.Fatalf("token answer %d %v, want ok %v code %q", a.Status, a.Body, tc.wantOK, tc.wantCode)
			}
		})
	}
	_, err := h.AuthorizationCode(ctx, hydratest.CodeFlow{ClientID: "pub", RedirectURI: "http://127.0.0.1:8123/other", Scope: "openid"})
	var ae *hydratest.AuthorizeError
	if !errors.As(err, &ae) || ae.Code == "" {
		t.Fatalf("unregistered redirect URI: %v, want an *AuthorizeError", err)
	}
	if _, ok, err := h.Client(ctx, "pub"); !ok || err != nil {
		t.Fatalf("Client(pub) = %v, %v", ok, err)
	}
	if _, ok, err := h.Client(ctx, "missing"); ok || err != nil {
		t.Fatalf("Client(missing) = %v, %v", ok, err)
	}
}

package upstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/hydratest"
	"github.com/registrar-dcr/registrar/plugins/hydra/upstream"
	"github.com/registrar-dcr/registrar/sdk"
)

// web is a browser and API client that talks to Hydra directly and does not
// follow redirects, so that a test sees where Hydra sends the browser.
var web = &http.Client{
	Transport:     &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

const loginURL = "http://127.0.0.1:9/login"

// syncBuffer collects the plugin's log, to prove it holds no secret.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// open configures an Upstream on h's admin API with raw extra settings,
// logging at trace level into log.
func open(t *testing.T, adminURL string, log io.Writer, extra map[string]any) *upstream.Upstream {
	t.Helper()
	st := map[string]any{"admin_url": adminURL}
	for k, v := range extra {
		st[k] = v
	}
	raw, _ := json.Marshal(st)
	cfg, err := upstream.ParseConfig(raw)
	if err != nil {
		t.Fatalf("ParseConfig(%s): %v", raw, err)
	}
	if log == nil {
		log = io.Discard
	}
	u, err := upstream.Open(cfg, hclog.New(&hclog.LoggerOptions{Output: log, Level: hclog.Trace}))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// provision returns the Provision of a client with metadata m; a client
// with a secret has one issued by this write when secret is set.
func provision(op sdk.Operation, id string, m sdk.Metadata, hasSecret bool, secret string, rev int64) sdk.Provision {
	c := sdk.Client{ID: id, Metadata: m, Revision: rev}
	if hasSecret {
		c.SecretHash = sdk.RedactedHash
	}
	return sdk.Provision{Operation: op, Client: c, ClientSecret: secret, Revision: rev}
}

func confidential(scope string) sdk.Metadata {
	return sdk.Metadata{
		GrantTypes:              []string{sdk.GrantClientCredentials},
		TokenEndpointAuthMethod: sdk.AuthClientSecretBasic,
		Scope:                   scope,
	}
}

// token asks Hydra for a client_credentials token (RFC 6749 §4.4) with
// client_secret_basic and returns the status and the error code, if any.
func token(t *testing.T, h *hydratest.Server, id, secret, scope string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest(http.MethodPost, h.PublicURL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := web.Do(req)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Error
}

func wantToken(t *testing.T, h *hydratest.Server, id, secret, scope string) {
	t.Helper()
	if status, code := token(t, h, id, secret, scope); status != http.StatusOK {
		t.Fatalf("token for %s: status %d %s, want 200", id, status, code)
	}
}

func wantRefused(t *testing.T, h *hydratest.Server, id, secret string) {
	t.Helper()
	if status, code := token(t, h, id, secret, ""); status != http.StatusUnauthorized || code != "invalid_client" {
		t.Fatalf("token for %s: status %d %q, want 401 invalid_client", id, status, code)
	}
}

// authorize sends an authorization request (RFC 6749 §4.1.1) and reports
// whether Hydra accepted it, that is, sent the browser on to the login app.
func authorize(t *testing.T, h *hydratest.Server, id, redirect string) bool {
	t.Helper()
	q := url.Values{
		"client_id": {id}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {"openid"}, "state": {"state-0123456789"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	resp, err := web.Get(h.PublicURL + "/oauth2/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return strings.HasPrefix(resp.Header.Get("Location"), loginURL+"?login_challenge=")
}

// admin calls Hydra's admin API directly and decodes the answer into out.
func admin(t *testing.T, h *hydratest.Server, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.AdminURL+path, body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := web.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// TestHydra proves each write against the real Hydra: a 201's secret gets
// a token, a rotated secret replaces the old one, an update without a
// secret keeps it, a removed redirect URI is refused at the authorization
// endpoint, a deleted client's credentials are refused, clients of others
// are never touched, lifespans are applied, and Hydra's refusals become
// RFC 7591 errors. The plugin's log never holds a secret.
func TestHydra(t *testing.T) {
	t.Parallel()
	h := hydratest.Start(t, hydratest.WithLoginURL(loginURL), hydratest.WithConsentURL("http://127.0.0.1:9/consent"))
	var log syncBuffer
	u := open(t, h.AdminURL, &log, nil)
	ctx := context.Background()
	var secrets []string
	secret := func(s string) string { secrets = append(secrets, s); return s }
	t.Cleanup(func() {
		for _, s := range secrets {
			if strings.Contains(log.String(), s) {
				t.Errorf("the plugin's log holds the secret %q:\n%s", s, log.String())
			}
		}
	})

	if err := u.Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}

	t.Run("an overtaken update is not written", func(t *testing.T) {
		s := secret("overtaken-secret-0123456789abcdef")
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-overtaken", confidential("api.read"), true, s, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-overtaken", confidential("api.write"), true, "", 3)); err != nil {
			t.Fatal(err)
		}
		// Revision 2 arrives after 3 (a stalled write, or a reconcile
		// push overtaken by a live update): Hydra keeps revision 3.
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-overtaken", confidential("api.read"), true, "", 2)); err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "c-overtaken", s, "api.write")
		page, err := u.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Clients {
			if c.ID == "c-overtaken" && c.Revision != 3 {
				t.Fatalf("Hydra holds revision %d, want 3", c.Revision)
			}
		}
	})

	t.Run("create then token", func(t *testing.T) {
		s := secret("create-secret-0123456789abcdef")
		_, err := u.Create(ctx, provision(sdk.OperationCreate, "c-create", confidential("api.read"), true, s, 1))
		if err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "c-create", s, "api.read")
		wantRefused(t, h, "c-create", s+"x")
		if status, code := token(t, h, "c-create", s, "api.write"); status == http.StatusOK {
			t.Errorf("a scope the client does not have: status %d %s, want a refusal", status, code)
		}
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-create", confidential("api.read"), true, s, 1)); !errors.Is(err, sdk.ErrAlreadyExists) {
			t.Errorf("second Create: %v, want ErrAlreadyExists", err)
		}
	})

	t.Run("update with a new secret rotates it", func(t *testing.T) {
		old, rotated := secret("rotate-old-0123456789abcdef"), secret("rotate-new-0123456789abcdef")
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-rotate", confidential("api.read"), true, old, 1)); err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "c-rotate", old, "")
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-rotate", confidential("api.read"), true, rotated, 2)); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, h, "c-rotate", old)
		wantToken(t, h, "c-rotate", rotated, "api.read")
	})

	t.Run("update without a secret keeps it", func(t *testing.T) {
		s := secret("keep-secret-0123456789abcdef")
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-keep", confidential("api.read"), true, s, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-keep", confidential("api.read api.write"), true, "", 2)); err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "c-keep", s, "api.write")
	})

	t.Run("update to public drops the secret", func(t *testing.T) {
		s := secret("public-secret-0123456789abcdef")
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-public", confidential("api.read"), true, s, 1)); err != nil {
			t.Fatal(err)
		}
		m := sdk.Metadata{
			GrantTypes: []string{sdk.GrantAuthorizationCode}, ResponseTypes: []string{"code"},
			RedirectURIs: []string{"http://127.0.0.1:8080/cb"}, TokenEndpointAuthMethod: sdk.AuthNone, Scope: "openid",
		}
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-public", m, false, "", 2)); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, h, "c-public", s)
		var got struct {
			Method string `json:"token_endpoint_auth_method"`
		}
		admin(t, h, http.MethodGet, "/admin/clients/c-public", nil, &got)
		if got.Method != sdk.AuthNone {
			t.Errorf("Hydra's token_endpoint_auth_method = %q, want none", got.Method)
		}
		if !authorize(t, h, "c-public", "http://127.0.0.1:8080/cb") {
			t.Error("the public client's authorization request was refused")
		}
	})

	t.Run("update removing a redirect URI", func(t *testing.T) {
		const keep, drop = "https://app.example/cb", "https://app.example/old"
		m := sdk.Metadata{
			GrantTypes: []string{sdk.GrantAuthorizationCode}, ResponseTypes: []string{"code"},
			RedirectURIs: []string{keep, drop}, TokenEndpointAuthMethod: sdk.AuthClientSecretBasic, Scope: "openid",
		}
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-redirect", m, true, secret("redirect-secret-0123456789"), 1)); err != nil {
			t.Fatal(err)
		}
		if !authorize(t, h, "c-redirect", drop) || !authorize(t, h, "c-redirect", keep) {
			t.Fatal("Hydra refused a registered redirect URI before the update")
		}
		m.RedirectURIs = []string{keep}
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-redirect", m, true, "", 2)); err != nil {
			t.Fatal(err)
		}
		if authorize(t, h, "c-redirect", drop) {
			t.Error("Hydra still accepts the redirect URI the update removed")
		}
		if !authorize(t, h, "c-redirect", keep) {
			t.Error("Hydra refuses the redirect URI the update kept")
		}
	})

	t.Run("delete", func(t *testing.T) {
		s := secret("delete-secret-0123456789abcdef")
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-delete", confidential(""), true, s, 1)); err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "c-delete", s, "")
		if err := u.Delete(ctx, "c-delete"); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, h, "c-delete", s)
		if err := u.Delete(ctx, "c-delete"); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("second Delete: %v, want ErrNotFound", err)
		}
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-delete", confidential(""), true, "", 2)); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Update of a deleted client: %v, want ErrNotFound", err)
		}
	})

	t.Run("no scope means no scope", func(t *testing.T) {
		s := secret("noscope-secret-0123456789abcdef")
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-noscope", confidential(""), true, s, 1)); err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "c-noscope", s, "")
		for _, scope := range []string{"openid", "offline_access", "offline"} {
			if status, _ := token(t, h, "c-noscope", s, scope); status == http.StatusOK {
				t.Errorf("Hydra granted %s, one of its default scopes, to a client registered without scopes", scope)
			}
		}
	})

	t.Run("lifespans", func(t *testing.T) {
		n := func(v int64) *int64 { return &v }
		m := confidential("api.read")
		m.GrantTypes = []string{sdk.GrantAuthorizationCode, sdk.GrantRefreshToken, sdk.GrantClientCredentials}
		m.ResponseTypes = []string{"code"}
		m.RedirectURIs = []string{"https://app.example/cb"}
		m.AccessTokenLifetime = n(600)
		m.IdentityTokenLifetime = n(300)
		m.AbsoluteRefreshTokenLifetime = n(86400)
		m.SlidingRefreshTokenLifetime = n(3600)
		m.RefreshTokenExpiration = "Sliding"
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "c-life", m, true, secret("life-secret-0123456789abcdef"), 1)); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		admin(t, h, http.MethodGet, "/admin/clients/c-life", nil, &got)
		want := map[string]any{
			"authorization_code_grant_access_token_lifespan":  "10m0s",
			"client_credentials_grant_access_token_lifespan":  "10m0s",
			"implicit_grant_access_token_lifespan":            "10m0s",
			"jwt_bearer_grant_access_token_lifespan":          "10m0s",
			"refresh_token_grant_access_token_lifespan":       "10m0s",
			"authorization_code_grant_id_token_lifespan":      "5m0s",
			"implicit_grant_id_token_lifespan":                "5m0s",
			"refresh_token_grant_id_token_lifespan":           "5m0s",
			"authorization_code_grant_refresh_token_lifespan": "1h0m0s",
			"refresh_token_grant_refresh_token_lifespan":      "1h0m0s",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("Hydra's %s = %v, want %v", k, got[k], v)
			}
		}
		// The access token Hydra issues lives access_token_lifetime.
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequest(http.MethodPost, h.PublicURL+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("c-life", "life-secret-0123456789abcdef")
		resp, err := web.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			ExpiresIn int64 `json:"expires_in"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if tok.ExpiresIn < 590 || tok.ExpiresIn > 600 {
			t.Errorf("expires_in = %d, want about 600", tok.ExpiresIn)
		}

		// A replace without lifetimes removes them (RFC 7592 §2.2).
		m.AccessTokenLifetime, m.IdentityTokenLifetime = nil, nil
		m.AbsoluteRefreshTokenLifetime, m.SlidingRefreshTokenLifetime, m.RefreshTokenExpiration = nil, nil, ""
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c-life", m, true, "", 2)); err != nil {
			t.Fatal(err)
		}
		got = nil
		admin(t, h, http.MethodGet, "/admin/clients/c-life", nil, &got)
		for k := range want {
			if got[k] != nil {
				t.Errorf("after the update Hydra's %s = %v, want null", k, got[k])
			}
		}
	})

	t.Run("clients of others are left alone", func(t *testing.T) {
		for id, c := range map[string]map[string]any{
			"o-other-owner": {"owner": "someone-else", "metadata": map[string]any{"registrar": map[string]any{"owner": "someone-else", "revision": 1}}},
			"o-unmarked":    {"owner": "registrar"},
			"o-wrong-mark":  {"owner": "registrar", "metadata": map[string]any{"registrar": map[string]any{"owner": "other", "revision": 1}}},
		} {
			c["client_id"] = id
			c["client_secret"] = "others-secret-0123456789"
			c["grant_types"] = []string{"client_credentials"}
			if status := admin(t, h, http.MethodPost, "/admin/clients", c, nil); status != http.StatusCreated {
				t.Fatalf("create %s: status %d", id, status)
			}
			t.Run(id, func(t *testing.T) {
				_, err := u.Update(ctx, provision(sdk.OperationUpdate, id, confidential("x"), true, "taken-over-0123456789", 9))
				if !errors.Is(err, sdk.ErrNotFound) {
					t.Errorf("Update: %v, want ErrNotFound", err)
				}
				if err := u.Delete(ctx, id); !errors.Is(err, sdk.ErrNotFound) {
					t.Errorf("Delete: %v, want ErrNotFound", err)
				}
				wantToken(t, h, id, "others-secret-0123456789", "")
				wantRefused(t, h, id, "taken-over-0123456789")
			})
		}
	})

	t.Run("refusals", func(t *testing.T) {
		redirect := []string{"https://app.example/cb"}
		code := []string{sdk.GrantAuthorizationCode}
		for _, tc := range []struct {
			name   string
			m      sdk.Metadata
			code   string
			member string
			hint   string // a part of Hydra's explanation the description keeps
		}{
			{name: "pairwise subject type (Hydra refuses)", m: sdk.Metadata{GrantTypes: code, RedirectURIs: redirect, SubjectType: "pairwise"},
				code: sdk.CodeInvalidClientMetadata, member: "subject_type", hint: "not supported by server"},
			{name: "userinfo alg (Hydra refuses)", m: sdk.Metadata{GrantTypes: code, RedirectURIs: redirect, UserinfoSignedResponseAlg: "ES256"},
				code: sdk.CodeInvalidClientMetadata, member: "userinfo_signed_response_alg", hint: "'none' or 'RS256'"},
			{name: "invalid jwks (Hydra refuses)", m: sdk.Metadata{GrantTypes: code, RedirectURIs: redirect, TokenEndpointAuthMethod: sdk.AuthPrivateKeyJWT, JWKS: json.RawMessage(`{"keys":[{"kty":"RSA","kid":"k"}]}`)},
				code: sdk.CodeInvalidClientMetadata, member: "jwks"},
			{name: "redirect uri (Hydra refuses)", m: sdk.Metadata{GrantTypes: code, RedirectURIs: []string{"not-a-url"}},
				code: sdk.CodeInvalidRedirectURI, member: "redirect_uris", hint: "Unable to parse redirect URL"},
			{name: "post logout redirect uri (Hydra refuses)", m: sdk.Metadata{GrantTypes: code, RedirectURIs: redirect, PostLogoutRedirectURIs: []string{"https://elsewhere.example/bye"}},
				code: sdk.CodeInvalidClientMetadata, member: "post_logout_redirect_uris"},
			{name: "client_secret_jwt (Hydra cannot serve)", m: sdk.Metadata{GrantTypes: []string{sdk.GrantClientCredentials}, TokenEndpointAuthMethod: sdk.AuthClientSecretJWT},
				code: sdk.CodeInvalidClientMetadata, member: "token_endpoint_auth_method", hint: "client_secret_jwt is not supported"},
			{name: "tls_client_auth (Hydra cannot serve)", m: sdk.Metadata{GrantTypes: []string{sdk.GrantClientCredentials}, TokenEndpointAuthMethod: sdk.AuthTLSClientAuth},
				code: sdk.CodeInvalidClientMetadata, member: "token_endpoint_auth_method"},
			{name: "device code grant (Hydra cannot serve)", m: sdk.Metadata{GrantTypes: []string{sdk.GrantClientCredentials, sdk.GrantDeviceCode}},
				code: sdk.CodeInvalidClientMetadata, member: "grant_types[1]"},
			{name: "response type none (Hydra cannot serve)", m: sdk.Metadata{GrantTypes: code, RedirectURIs: redirect, ResponseTypes: []string{"none"}},
				code: sdk.CodeInvalidClientMetadata, member: "response_types[0]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := "r-" + strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(tc.name)
				_, err := u.Create(ctx, provision(sdk.OperationCreate, id, tc.m, true, secret("refused-secret-0123456789"), 1))
				e, ok := sdk.AsError(err)
				if !ok {
					t.Fatalf("Create: %v, want an *sdk.Error", err)
				}
				if e.Code != tc.code || !strings.HasPrefix(e.Description, tc.member+": ") || !strings.Contains(e.Description, tc.hint) {
					t.Errorf("Create: %q %q, want %s naming %s (with %q)", e.Code, e.Description, tc.code, tc.member, tc.hint)
				}
				if strings.Contains(e.Description, "Authorization Server MAY") || strings.Contains(e.Description, "go-jose") || len(e.Description) > 300 {
					t.Errorf("the description forwards Hydra's internals: %q", e.Description)
				}
				if status := admin(t, h, http.MethodGet, "/admin/clients/"+id, nil, nil); status != http.StatusNotFound {
					t.Errorf("Hydra holds the refused client: GET status %d", status)
				}
			})
		}
	})
}

// TestList pages through more clients than a page holds and returns
// exactly this owner's marked clients, with their revision and Hydra's
// created_at; clients of other owners, unmarked clients, and those of a
// second Registrar with another owner are not listed.
func TestList(t *testing.T) {
	t.Parallel()
	h := hydratest.Start(t)
	ctx := context.Background()
	u := open(t, h.AdminURL, nil, nil)
	other := open(t, h.AdminURL, nil, map[string]any{"owner": "registrar-eu"})
	upstream.SetPageSize(u, 3)
	start := time.Now().Add(-2 * time.Second).Unix()

	want := map[string]int64{}
	for i, id := range []string{"a1", "b2", "c3", "d4", "e5", "f6", "g7"} {
		rev := int64(i + 1)
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, id, confidential(""), true, "list-secret-0123456789", rev)); err != nil {
			t.Fatal(err)
		}
		want[id] = rev
	}
	if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "c3", confidential("x"), true, "", 42)); err != nil {
		t.Fatal(err)
	}
	want["c3"] = 42
	for _, id := range []string{"aa-eu", "cc-eu", "zz-eu"} {
		if _, err := other.Create(ctx, provision(sdk.OperationCreate, id, confidential(""), true, "list-secret-0123456789", 1)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []map[string]any{
		{"client_id": "bb-unmarked", "owner": "registrar"},
		{"client_id": "dd-none"},
		{"client_id": "ee-else", "owner": "else"},
	} {
		if status := admin(t, h, http.MethodPost, "/admin/clients", c, nil); status != http.StatusCreated {
			t.Fatalf("create %v: status %d", c, status)
		}
	}

	for _, tc := range []struct {
		name     string
		u        *upstream.Upstream
		want     map[string]int64
		minPages int
	}{
		{name: "paged owner registrar", u: u, want: want, minPages: 3},
		{name: "owner registrar-eu", u: other, want: map[string]int64{"aa-eu": 1, "cc-eu": 1, "zz-eu": 1}, minPages: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]int64{}
			token, pages := "", 0
			for {
				page, err := tc.u.List(ctx, token)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, c := range page.Clients {
					if _, dup := got[c.ID]; dup {
						t.Errorf("%s listed twice", c.ID)
					}
					got[c.ID] = c.Revision
					if c.CreatedAt < start || c.CreatedAt > time.Now().Unix()+1 {
						t.Errorf("%s: CreatedAt %d, want about now (%d)", c.ID, c.CreatedAt, time.Now().Unix())
					}
				}
				if page.Next == "" {
					break
				}
				if pages > 20 {
					t.Fatal("List never ends")
				}
				token = page.Next
			}
			if len(got) != len(tc.want) {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
			for id, rev := range tc.want {
				if got[id] != rev {
					t.Errorf("%s: revision %d (listed: %v), want %d", id, got[id], got, rev)
				}
			}
			if pages < tc.minPages {
				t.Errorf("%d pages, want at least %d", pages, tc.minPages)
			}
		})
	}
}

// TestHydraDown proves that every call fails with sdk.ErrUnavailable,
// quickly, once Hydra is gone, and Health reports it.
func TestHydraDown(t *testing.T) {
	t.Parallel()
	h := hydratest.Start(t)
	ctx := context.Background()
	u := open(t, h.AdminURL, nil, map[string]any{"timeout": "2s"})
	if _, err := u.Create(ctx, provision(sdk.OperationCreate, "down", confidential(""), true, "down-secret-0123456789", 1)); err != nil {
		t.Fatal(err)
	}
	h.Stop()
	for name, call := range map[string]func() error{
		"Create": func() error {
			_, err := u.Create(ctx, provision(sdk.OperationCreate, "down2", confidential(""), true, "down-secret-0123456789", 1))
			return err
		},
		"Update": func() error {
			_, err := u.Update(ctx, provision(sdk.OperationUpdate, "down", confidential(""), true, "", 2))
			return err
		},
		"Delete": func() error { return u.Delete(ctx, "down") },
		"List":   func() error { _, err := u.List(ctx, ""); return err },
		"Health": func() error { return u.Health(ctx) },
	} {
		t.Run(name, func(t *testing.T) {
			begin := time.Now()
			err := call()
			if !errors.Is(err, sdk.ErrUnavailable) {
				t.Errorf("%s: %v, want ErrUnavailable", name, err)
			}
			if errors.Is(err, sdk.ErrNotFound) {
				t.Errorf("%s: an outage reported as not found: %v", name, err)
			}
			if d := time.Since(begin); d > 3*time.Second {
				t.Errorf("%s took %s", name, d)
			}
		})
	}
}

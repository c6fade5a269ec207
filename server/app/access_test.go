package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/stores/sqlite"
)

// authority is a local https server standing in for an authorization
// server (discovery document and JWKS) and a software statement directory
// (JWKS), plus documents that clients point at (a client JWKS, a sector
// identifier list). Its key signs access tokens and statements.
type authority struct {
	srv     *httptest.Server
	key     *ecdsa.PrivateKey
	kid     string
	caFile  string
	sectors []string // served at /sector.json
	hits    atomic.Int64
}

func newAuthority(t *testing.T) *authority {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := &authority{key: key, kid: "k1"}
	mux := http.NewServeMux()
	jwks := func(k *ecdsa.PrivateKey, kid string) []byte {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
		return b
	}
	clientKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		fmt.Fprintf(w, `{"issuer": %q, "jwks_uri": %q}`, a.srv.URL, a.srv.URL+"/jwks.json")
	})
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		w.Write(jwks(a.key, a.kid))
	})
	mux.HandleFunc("/client-jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write(jwks(clientKey, "client"))
	})
	mux.HandleFunc("/private-jwks.json", func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: clientKey, KeyID: "private", Algorithm: "ES256"}}})
		w.Write(b)
	})
	mux.HandleFunc("/sector.json", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(a.sectors)
	})
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(a.srv.Close)
	a.caFile = filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.srv.Certificate().Raw})
	if err := os.WriteFile(a.caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return a
}

// sign returns a JWT signed by the authority's key.
func (a *authority) sign(t *testing.T, typ string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = a.kid
	if typ != "" {
		tok.Header["typ"] = typ
	}
	s, err := tok.SignedString(a.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// accessToken returns an access token for the registrar audience.
func (a *authority) accessToken(t *testing.T, change func(jwt.MapClaims)) string {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": a.srv.URL, "sub": "ci-pipeline", "aud": "https://registrar.example.com",
		"scope": "openid dcr:register", "exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(),
		"jti": fmt.Sprintf("at-%d", now.UnixNano()),
	}
	if change != nil {
		change(c)
	}
	return a.sign(t, "at+jwt", c)
}

// statement returns a software statement of the authority acting as a
// directory.
func (a *authority) statement(t *testing.T, change func(jwt.MapClaims)) string {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": a.srv.URL, "software_id": "partner-app", "client_name": "Partner App",
		"redirect_uris": []string{"https://partner.example.com/cb"},
		"iat":           now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": fmt.Sprintf("ssa-%d", now.UnixNano()),
	}
	if change != nil {
		change(c)
	}
	return a.sign(t, "", c)
}

// accessConfig has a profile for each way in: anonymous (public native
// clients), issued initial access tokens (partners, with a software
// statement option), bearer JWT (ci).
func accessConfig(a *authority, extra string) string {
	return fmt.Sprintf(`
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
}
store "sqlite" {
  path = "registrar.db"
}
fetch {
  allow_private_addresses = true # the local authority listens on 127.0.0.1
  ca_file                 = %[1]q
}
rate_limit {
  enabled = false
}
profile "mcp" {
  cors_origins = ["http://localhost:6274"]
  authentication {
    anonymous = true
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token"]
    token_endpoint_auth_methods = ["none"]
    scopes                      = ["openid", "profile"]
  }
}
profile "partners" {
  cors_origins = ["https://partner.example.com"]
  max_clients  = 3
  authentication {
    issued_tokens = true
  }
  policy {
    token_endpoint_auth_methods = ["client_secret_basic", "private_key_jwt"]
    scopes                      = ["openid", "api"]
  }
  software_statement {
    require_jti = true
    max_age     = "1h"
    issuer %[2]q {
      jwks_uri   = "%[2]s/jwks.json"
      algorithms = ["ES256"]
    }
  }
}
profile "ci" {
  authentication {
    bearer_jwt {
      issuer         = %[2]q
      audiences      = ["https://registrar.example.com"]
      required_scope = "dcr:register"
      algorithms     = ["ES256"]
      token_types    = ["at+jwt"]
    }
  }
  policy {
    grant_types                 = ["client_credentials"]
    response_types              = []
    token_endpoint_auth_methods = ["client_secret_basic"]
    scopes                      = ["api"]
    default_scope               = "api"
  }
}
%[3]s
`, a.caFile, a.srv.URL, extra)
}

// issue creates an initial access token in the server's SQLite store, as
// "registrar token create" does.
func issue(t *testing.T, dbPath, profile string, lifetime time.Duration, uses int64) (string, sdk.InitialAccessToken) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plain, rec, err := auth.IssueToken(ctx, s, auth.TokenRequest{Profile: profile, Lifetime: lifetime, MaxUses: uses}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return plain, rec
}

// doWith sends a request with the given headers (values "" are left out)
// over the real listener and checks the rule every answer keeps: only 401
// and 403 carry WWW-Authenticate.
func (s *server) doWith(t *testing.T, method, path string, headers map[string]string, body any) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
		}
	}
	www := resp.Header.Get("WWW-Authenticate")
	if (resp.StatusCode == 401 || resp.StatusCode == 403) != (www != "") && method != http.MethodOptions {
		t.Errorf("%s %s: status %d with WWW-Authenticate %q", method, path, resp.StatusCode, www)
	}
	return a
}

func bearer(token string) map[string]string {
	if token == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + token}
}

var (
	nativeClient = map[string]any{"client_name": "MCP client", "redirect_uris": []string{"http://127.0.0.1:33418/callback"},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code"}, "response_types": []string{"code"}}
	partnerClient = map[string]any{"client_name": "Partner", "redirect_uris": []string{"https://partner.example.com/cb"}}
	ciClient      = map[string]any{"client_name": "CI job", "grant_types": []string{"client_credentials"}, "response_types": []string{}}
)

func with(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestAccessFailures: every way a caller can be refused, each with its
// status and error code, and nothing stored by any of them.
func TestAccessFailures(t *testing.T) {
	a := newAuthority(t)
	s, err := startServerWith(t, accessConfig(a, ""))
	if err != nil {
		t.Fatal(err)
	}
	valid, _ := issue(t, s.db, "partners", time.Hour, 0)
	expired, _ := issue(t, s.db, "partners", time.Second, 0)
	usedUp, _ := issue(t, s.db, "partners", time.Hour, 1)
	revoked, revokedRec := issue(t, s.db, "partners", time.Hour, 0)
	forMCP, _ := issue(t, s.db, "mcp", time.Hour, 0) // mcp does not accept issued tokens
	{
		st, err := sqlite.Open(context.Background(), s.db, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.RevokeToken(context.Background(), st, revokedRec.ID); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(usedUp), partnerClient), 201, "")
	time.Sleep(1100 * time.Millisecond) // let "expired" expire

	ssaHeaders := bearer(valid)
	replayed := a.statement(t, nil)
	expect(t, s.doWith(t, "POST", "/connect/dcr", ssaHeaders, with(partnerClient, "software_statement", replayed)), 201, "")
	before := s.count(t)

	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged := func(claims jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
		tok.Header["kid"] = kid
		tok.Header["typ"] = "at+jwt"
		out, _ := tok.SignedString(otherKey)
		return out
	}
	now := time.Now()
	tests := []struct {
		name    string
		method  string
		headers map[string]string
		body    any
		status  int
		code    string
		golden  string // testdata/golden/<golden>.json, when set
	}{
		// Initial access tokens (RFC 7591 §3, RFC 6750 §3.1).
		{"no credential on a closed profile is anonymous; mcp rules refuse secrets", "POST", nil, with(nativeClient, "token_endpoint_auth_method", "client_secret_basic"), 400, "invalid_client_metadata", ""},
		{"unknown token", "POST", bearer("unknown-token-0123456789abcdefghijklmnopq"), partnerClient, 401, "invalid_token", ""},
		{"expired token", "POST", bearer(expired), partnerClient, 401, "invalid_token", ""},
		{"used-up token", "POST", bearer(usedUp), partnerClient, 401, "invalid_token", "error_issued_token_used_up"},
		{"revoked token", "POST", bearer(revoked), partnerClient, 401, "invalid_token", ""},
		{"token of a profile without issued_tokens", "POST", bearer(forMCP), partnerClient, 401, "invalid_token", ""},
		{"Basic scheme", "POST", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, partnerClient, 401, "invalid_token", ""},
		{"token with a space", "POST", map[string]string{"Authorization": "Bearer a b"}, partnerClient, 401, "invalid_token", ""},
		{"token prefix", "POST", bearer(valid[:20]), partnerClient, 401, "invalid_token", ""},
		// Bearer JWT (RFC 6750, RFC 9068).
		{"jwt wrong audience", "POST", bearer(a.accessToken(t, func(c jwt.MapClaims) { c["aud"] = "https://other.example.com" })), ciClient, 401, "invalid_token", ""},
		{"jwt expired", "POST", bearer(a.accessToken(t, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), ciClient, 401, "invalid_token", ""},
		{"jwt not yet valid", "POST", bearer(a.accessToken(t, func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), ciClient, 401, "invalid_token", ""},
		{"jwt unknown issuer", "POST", bearer(a.accessToken(t, func(c jwt.MapClaims) { c["iss"] = "https://evil.example.com" })), ciClient, 401, "invalid_token", ""},
		{"jwt signed by another key", "POST", bearer(forged(jwt.MapClaims{"iss": a.srv.URL, "aud": "https://registrar.example.com", "scope": "dcr:register", "exp": now.Add(time.Hour).Unix()}, a.kid)), ciClient, 401, "invalid_token", ""},
		{"jwt unknown kid", "POST", bearer(forged(jwt.MapClaims{"iss": a.srv.URL, "aud": "https://registrar.example.com", "scope": "dcr:register", "exp": now.Add(time.Hour).Unix()}, "nope")), ciClient, 401, "invalid_token", ""},
		{"jwt wrong typ", "POST", bearer(a.sign(t, "JWT", jwt.MapClaims{"iss": a.srv.URL, "aud": "https://registrar.example.com", "scope": "dcr:register", "exp": now.Add(time.Hour).Unix()})), ciClient, 401, "invalid_token", ""},
		{"jwt without the scope", "POST", bearer(a.accessToken(t, func(c jwt.MapClaims) { c["scope"] = "openid" })), ciClient, 403, "insufficient_scope", "error_insufficient_scope"},
		{"jwt without any scope", "POST", bearer(a.accessToken(t, func(c jwt.MapClaims) { delete(c, "scope") })), ciClient, 403, "insufficient_scope", ""},
		// Software statements (RFC 7591 §2.3, §3.2.2).
		{"statement replayed", "POST", ssaHeaders, with(partnerClient, "software_statement", replayed), 400, "invalid_software_statement", "error_software_statement_replayed"},
		{"statement expired", "POST", ssaHeaders, with(partnerClient, "software_statement", a.statement(t, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), 400, "invalid_software_statement", ""},
		{"statement too old", "POST", ssaHeaders, with(partnerClient, "software_statement", a.statement(t, func(c jwt.MapClaims) { c["iat"] = now.Add(-2 * time.Hour).Unix() })), 400, "invalid_software_statement", ""},
		{"statement without jti", "POST", ssaHeaders, with(partnerClient, "software_statement", a.statement(t, func(c jwt.MapClaims) { delete(c, "jti") })), 400, "invalid_software_statement", ""},
		{"statement from an untrusted issuer", "POST", ssaHeaders, with(partnerClient, "software_statement", a.statement(t, func(c jwt.MapClaims) { c["iss"] = "https://rogue.example.com" })), 400, "unapproved_software_statement", "error_unapproved_software_statement"},
		{"statement with a bad signature", "POST", ssaHeaders, with(partnerClient, "software_statement", replayed[:len(replayed)-4]+"AAAA"), 400, "invalid_software_statement", ""},
		{"statement not a JWT", "POST", ssaHeaders, with(partnerClient, "software_statement", "not-a-jwt"), 400, "invalid_software_statement", ""},
		{"statement on a profile without statements", "POST", nil, with(nativeClient, "software_statement", a.statement(t, nil)), 400, "unapproved_software_statement", ""},
		// Documents the client points at, fetched (RFC 7591 §2, OIDC DCR §5).
		{"jwks_uri serving a private key", "POST", ssaHeaders, with(partnerClient, "token_endpoint_auth_method", "private_key_jwt", "jwks_uri", a.srv.URL+"/private-jwks.json"), 400, "invalid_client_metadata", ""},
		{"jwks_uri not found", "POST", ssaHeaders, with(partnerClient, "token_endpoint_auth_method", "private_key_jwt", "jwks_uri", a.srv.URL+"/missing.json"), 400, "invalid_client_metadata", ""},
		{"sector_identifier_uri not listing the redirect", "POST", ssaHeaders, with(partnerClient, "sector_identifier_uri", a.srv.URL+"/sector.json"), 400, "invalid_client_metadata", "error_sector_identifier_mismatch"},
		// CORS, per profile.
		{"origin of another profile", "POST", map[string]string{"Origin": "https://partner.example.com"}, nativeClient, 403, "access_denied", "error_origin_not_allowed"},
		{"unknown origin", "POST", map[string]string{"Origin": "https://evil.example.com"}, nativeClient, 403, "access_denied", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.doWith(t, tc.method, "/connect/dcr", tc.headers, tc.body)
			expect(t, got, tc.status, tc.code)
			if tc.golden != "" {
				golden(t, tc.golden, got)
			}
			// RFC 6750 §3.1: a request without Bearer credentials (none,
			// or another scheme) gets a challenge without an error code.
			noBearer := !strings.HasPrefix(tc.headers["Authorization"], "Bearer ")
			switch ch := got.header.Get("WWW-Authenticate"); {
			case tc.status == 401 && noBearer && ch != `Bearer realm="registrar"`:
				t.Errorf("WWW-Authenticate = %q, want a bare Bearer challenge", ch)
			case tc.status == 401 && !noBearer && !strings.Contains(ch, `error="invalid_token"`):
				t.Errorf("WWW-Authenticate = %q", ch)
			}
			if tc.status == 403 && tc.code == "insufficient_scope" && !strings.Contains(got.header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
				t.Errorf("WWW-Authenticate = %q", got.header.Get("WWW-Authenticate"))
			}
		})
	}
	if after := s.count(t); after != before {
		t.Errorf("failed requests stored %d clients", after-before)
	}
	for _, secret := range []string{valid, expired, usedUp, revoked} {
		if strings.Contains(s.logs.String(), secret) {
			t.Fatal("an initial access token appears in the log")
		}
	}
}

// TestAccessProfiles registers under each profile and checks what the
// profile gives: the caller's profile is remembered for RFC 7592 updates,
// statements' claims win and are echoed, fetched documents are checked.
func TestAccessProfiles(t *testing.T) {
	a := newAuthority(t)
	s, err := startServerWith(t, strings.Replace(accessConfig(a, ""), "max_clients  = 3", "max_clients  = 100", 1))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("anonymous MCP client, updated under the same rules", func(t *testing.T) {
		got := s.doWith(t, "POST", "/connect/dcr", nil, nativeClient)
		expect(t, got, 201, "")
		if _, ok := got.body["client_secret"]; ok {
			t.Error("a public client got a secret")
		}
		update := with(nativeClient, "client_id", got.str("client_id"), "token_endpoint_auth_method", "client_secret_basic")
		path := "/connect/dcr/" + got.str("client_id")
		expect(t, s.doWith(t, "PUT", path, bearer(got.str("registration_access_token")), update), 400, "invalid_client_metadata")
	})

	t.Run("bearer JWT selects the ci profile", func(t *testing.T) {
		got := s.doWith(t, "POST", "/connect/dcr", bearer(a.accessToken(t, nil)), ciClient)
		expect(t, got, 201, "")
		if got.str("scope") != "api" || got.str("client_secret") == "" {
			t.Errorf("ci client = %s", got.raw)
		}
		if !strings.Contains(s.logs.String(), `profile=ci`) {
			t.Error("the log does not name the ci profile")
		}
	})

	t.Run("software statement claims win and are echoed", func(t *testing.T) {
		tok, _ := issue(t, s.db, "partners", time.Hour, 0)
		stmt := a.statement(t, nil)
		body := with(partnerClient, "client_name", "Sent name", "software_statement", stmt)
		got := s.doWith(t, "POST", "/connect/dcr", bearer(tok), body)
		expect(t, got, 201, "")
		if got.str("client_name") != "Partner App" || got.str("software_id") != "partner-app" || got.str("software_statement") != stmt {
			t.Errorf("response = %s", got.raw)
		}
		// RFC 7592 §2.2: the update sends the statement back; it is not a
		// replay. A new statement from an untrusted issuer is refused.
		path := "/connect/dcr/" + got.str("client_id")
		rat := got.str("registration_access_token")
		upd := with(body, "client_id", got.str("client_id"))
		again := s.doWith(t, "PUT", path, bearer(rat), upd)
		expect(t, again, 200, "")
		if again.str("client_name") != "Partner App" {
			t.Errorf("update = %s", again.raw)
		}
		rogue := with(upd, "software_statement", a.statement(t, func(c jwt.MapClaims) { c["iss"] = "https://rogue.example.com" }))
		expect(t, s.doWith(t, "PUT", path, bearer(again.str("registration_access_token")), rogue), 400, "unapproved_software_statement")
	})

	t.Run("a refused registration does not spend its statement", func(t *testing.T) {
		tok, _ := issue(t, s.db, "partners", time.Hour, 0)
		stmt := a.statement(t, nil)
		bad := with(partnerClient, "software_statement", stmt, "token_endpoint_auth_method", "none")
		expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(tok), bad), 400, "invalid_client_metadata")
		expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(tok), with(partnerClient, "software_statement", stmt)), 201, "")
		expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(tok), with(partnerClient, "software_statement", stmt)), 400, "invalid_software_statement")

		// A replayed statement does not spend a one-use token either.
		once, _ := issue(t, s.db, "partners", time.Hour, 1)
		expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(once), with(partnerClient, "software_statement", stmt)), 400, "invalid_software_statement")
		expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(once), with(partnerClient, "software_statement", a.statement(t, nil))), 201, "")
	})

	t.Run("jwks_uri and sector_identifier_uri fetched and accepted", func(t *testing.T) {
		tok, _ := issue(t, s.db, "partners", time.Hour, 0)
		a.sectors = []string{"https://partner.example.com/cb", "https://partner.example.com/other"}
		body := with(partnerClient, "token_endpoint_auth_method", "private_key_jwt",
			"jwks_uri", a.srv.URL+"/client-jwks.json", "sector_identifier_uri", a.srv.URL+"/sector.json")
		got := s.doWith(t, "POST", "/connect/dcr", bearer(tok), body)
		expect(t, got, 201, "")
		if _, ok := got.body["client_secret"]; ok {
			t.Error("private_key_jwt client got a secret")
		}
	})

	t.Run("a token in the body is not a credential", func(t *testing.T) {
		tok, _ := issue(t, s.db, "partners", time.Hour, 0)
		// Without the header the caller is anonymous: mcp rules apply.
		got := s.doWith(t, "POST", "/connect/dcr", nil, with(nativeClient, "initial_access_token", tok, "access_token", tok))
		expect(t, got, 201, "")
		if got.str("token_endpoint_auth_method") != "none" || got.body["initial_access_token"] != nil || got.body["access_token"] != nil {
			t.Errorf("response = %s", got.raw)
		}
		// Where no profile is anonymous, the same request is refused.
		closed := startServer(t)
		expect(t, closed.doWith(t, "POST", "/connect/dcr", nil, with(nativeClient, "initial_access_token", initialToken)), 401, "invalid_token")
	})

	t.Run("CORS preflight and answer", func(t *testing.T) {
		pre := s.doWith(t, "OPTIONS", "/connect/dcr", map[string]string{
			"Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type"}, nil)
		if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "http://localhost:6274" ||
			!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight: %d %v", pre.status, pre.header)
		}
		bad := s.doWith(t, "OPTIONS", "/connect/dcr", map[string]string{
			"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}, nil)
		if bad.status != 403 || bad.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from an unknown origin: %d %v", bad.status, bad.header)
		}
		got := s.doWith(t, "POST", "/connect/dcr", map[string]string{"Origin": "http://localhost:6274"}, nativeClient)
		expect(t, got, 201, "")
		if got.header.Get("Access-Control-Allow-Origin") != "http://localhost:6274" {
			t.Errorf("Access-Control-Allow-Origin = %q", got.header.Get("Access-Control-Allow-Origin"))
		}
	})
}

// TestOneUseTokenConcurrently: of concurrent registrations with a one-use
// initial access token, exactly one succeeds.
func TestOneUseTokenConcurrently(t *testing.T) {
	a := newAuthority(t)
	s, err := startServerWith(t, accessConfig(a, ""))
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		tok, _ := issue(t, s.db, "partners", time.Hour, 1)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = s.doWith(t, "POST", "/connect/dcr", bearer(tok), partnerClient).status
			}()
		}
		wg.Wait()
		created := 0
		for _, st := range statuses {
			switch st {
			case 201:
				created++
			case 401: // the token was used up by the winner
			case 403: // the winner filled the profile (max_clients = 3, round 2)
			default:
				t.Errorf("round %d: unexpected status %d", round, st)
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %d registrations succeeded with a one-use token (%v)", round, created, statuses)
		}
	}
	// max_clients = 3 for partners: the three rounds filled it.
	tok, _ := issue(t, s.db, "partners", time.Hour, 0)
	expect(t, s.doWith(t, "POST", "/connect/dcr", bearer(tok), partnerClient), 403, "access_denied")
}

// TestRateLimit: a caller over its per-IP budget gets 429 with
// Retry-After, and other endpoints are not limited.
func TestRateLimit(t *testing.T) {
	a := newAuthority(t)
	cfg := strings.Replace(accessConfig(a, ""), "rate_limit {\n  enabled = false\n}", "rate_limit {\n  rate  = 0.01\n  burst = 2\n}", 1)
	s, err := startServerWith(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, s.doWith(t, "POST", "/connect/dcr", nil, nativeClient), 201, "")
	expect(t, s.doWith(t, "POST", "/connect/dcr", nil, nativeClient), 201, "")
	got := s.doWith(t, "POST", "/connect/dcr", nil, nativeClient)
	expect(t, got, 429, "too_many_requests")
	golden(t, "error_rate_limited", got)
	if ra := got.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// A forged X-Forwarded-For does not buy a new budget: no proxy is trusted.
	got = s.doWith(t, "POST", "/connect/dcr", map[string]string{"X-Forwarded-For": "203.0.113.9"}, nativeClient)
	expect(t, got, 429, "too_many_requests")
	if st := s.doWith(t, "GET", "/healthz", nil, nil).status; st != 200 {
		t.Errorf("healthz = %d", st)
	}
}

// TestFetchRefusesLoopbackByDefault: without allow_private_addresses, a
// jwks_uri whose name resolves to 127.0.0.1 is refused at dial time, even
// though a server answers there.
func TestFetchRefusesLoopbackByDefault(t *testing.T) {
	a := newAuthority(t)
	cfg := strings.Replace(accessConfig(a, ""), "allow_private_addresses = true", "allow_private_addresses = false", 1)
	// Without private addresses the ci and partners profiles cannot reach
	// the local authority at start; the anonymous profile is enough here.
	s, err := startServerWith(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	port := a.srv.URL[strings.LastIndex(a.srv.URL, ":")+1:]
	for _, host := range []string{"localhost", "127.0.0.1"} {
		body := with(nativeClient, "jwks_uri", "https://"+host+":"+port+"/client-jwks.json")
		got := s.doWith(t, "POST", "/connect/dcr", nil, body)
		expect(t, got, 400, "invalid_client_metadata")
		if !strings.Contains(got.str("error_description"), "address not allowed") {
			t.Errorf("%s: error_description = %q", host, got.str("error_description"))
		}
	}
}

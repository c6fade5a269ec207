package auth

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
)

const (
	testIssuer   = "https://as.example.com"
	testAudience = "https://registrar.example.com"
)

// bearerClaims are the claims of a good access token at now.
func bearerClaims(now time.Time, changes ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":   testIssuer,
		"sub":   "ci-pipeline",
		"aud":   testAudience,
		"exp":   now.Add(5 * time.Minute).Unix(),
		"iat":   now.Add(-time.Minute).Unix(),
		"nbf":   now.Add(-time.Minute).Unix(),
		"jti":   "tok-1",
		"scope": "openid dcr:register dcr:write",
	}
	for _, ch := range changes {
		ch(c)
	}
	return c
}

func withClaim(k string, v any) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c[k] = v } }

func withoutClaim(k string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { delete(c, k) } }

// bearerFixture is an authority serving a JWKS and two verifiers of its
// tokens: strict (typ at+jwt, two required scopes) and loose (any typ, no
// scope).
type bearerFixture struct {
	a             *authority
	f             *testFetcher
	clock         *fakeClock
	strict, loose *BearerVerifier
}

func newBearerFixture(t testing.TB) *bearerFixture {
	t.Helper()
	k := testKeys(t)
	fx := &bearerFixture{
		a: newAuthority(t, jwksJSON(t,
			jwkOf(k.rsa, "rsa1", ""), jwkOf(k.rsa2, "rsa2", ""),
			jwkOf(k.ec, "ec1", "ES256"), jwkOf(k.ed, "ed1", ""))),
		f:     newTestFetcher(),
		clock: newFakeClock(),
	}
	cfg := BearerConfig{
		Issuer:        testIssuer,
		JWKSURI:       fx.a.url("/jwks"),
		Fetch:         fx.f.fetch,
		Audiences:     []string{testAudience, "registrar"},
		RequiredScope: "dcr:register dcr:write",
		Types:         []string{"at+jwt"},
		Now:           fx.clock.Now,
	}
	var err error
	if fx.strict, err = NewBearerVerifier(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.RequiredScope, cfg.Types = "", nil
	if fx.loose, err = NewBearerVerifier(cfg); err != nil {
		t.Fatal(err)
	}
	return fx
}

func publicKeyPEM(tb testing.TB, pub any) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestBearerVerify(t *testing.T) {
	k := testKeys(t)
	fx := newBearerFixture(t)
	now := fx.clock.Now()
	at := map[string]any{"typ": "at+jwt", "kid": "ec1"}
	hdr := func(kv ...any) map[string]any {
		h := map[string]any{"typ": "at+jwt"}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i].(string)] = kv[i+1]
		}
		return h
	}
	es := func(changes ...func(jwt.MapClaims)) string {
		return signJWT(t, jwt.SigningMethodES256, k.ec, at, bearerClaims(now, changes...))
	}
	good := es()
	goodParts := strings.Split(good, ".")

	tests := []struct {
		name   string
		loose  bool
		token  string
		status int
		code   string
		desc   string // substring of the description
	}{
		{name: "good ES256", token: good},
		{name: "good RS256", token: signJWT(t, jwt.SigningMethodRS256, k.rsa, hdr("kid", "rsa1"), bearerClaims(now))},
		{name: "good PS256", token: signJWT(t, jwt.SigningMethodPS256, k.rsa2, hdr("kid", "rsa2"), bearerClaims(now))},
		{name: "good EdDSA", token: signJWT(t, jwt.SigningMethodEdDSA, k.ed, hdr("kid", "ed1"), bearerClaims(now))},
		{name: "no kid one key fits", token: signJWT(t, jwt.SigningMethodEdDSA, k.ed, hdr(), bearerClaims(now))},
		{name: "no kid several keys fit", token: signJWT(t, jwt.SigningMethodRS256, k.rsa, hdr(), bearerClaims(now)), status: 401, code: "invalid_token", desc: "signing key is not known"},
		{name: "typ application/at+jwt", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "typ", "application/at+jwt"), bearerClaims(now))},
		{name: "typ upper case", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "typ", "AT+JWT"), bearerClaims(now))},
		{name: "wrong typ", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "typ", "JWT"), bearerClaims(now)), status: 401, code: "invalid_token", desc: "typ is not accepted"},
		{name: "typ not a string", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "typ", 1), bearerClaims(now)), status: 401, code: "invalid_token", desc: "typ is not accepted"},
		{name: "missing typ when required", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "typ", nil), bearerClaims(now)), status: 401, code: "invalid_token", desc: "no typ header"},
		{name: "missing typ when any accepted", loose: true, token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "typ", nil), bearerClaims(now))},
		{name: "expired", token: es(withClaim("exp", now.Add(-5*time.Minute).Unix())), status: 401, code: "invalid_token", desc: "has expired"},
		{name: "expired within leeway", token: es(withClaim("exp", now.Add(-30*time.Second).Unix()))},
		{name: "missing exp", token: es(withoutClaim("exp")), status: 401, code: "invalid_token", desc: "no exp"},
		{name: "exp not a number", token: es(withClaim("exp", "tomorrow")), status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "nbf in future", token: es(withClaim("nbf", now.Add(5*time.Minute).Unix())), status: 401, code: "invalid_token", desc: "not valid yet"},
		{name: "nbf within leeway", token: es(withClaim("nbf", now.Add(30*time.Second).Unix()))},
		{name: "iat in future", token: es(withClaim("iat", now.Add(5*time.Minute).Unix())), status: 401, code: "invalid_token", desc: "iat is in the future"},
		{name: "wrong iss", token: es(withClaim("iss", "https://evil.example.com")), status: 401, code: "invalid_token", desc: "iss is not"},
		{name: "iss with trailing slash", token: es(withClaim("iss", testIssuer+"/")), status: 401, code: "invalid_token", desc: "iss is not"},
		{name: "missing iss", token: es(withoutClaim("iss")), status: 401, code: "invalid_token", desc: "iss is not"},
		{name: "wrong aud", token: es(withClaim("aud", "https://other-api.example.com")), status: 401, code: "invalid_token", desc: "aud is not"},
		{name: "missing aud", token: es(withoutClaim("aud")), status: 401, code: "invalid_token", desc: "aud is not"},
		{name: "aud array with one accepted", token: es(withClaim("aud", []string{"other", "registrar"}))},
		{name: "aud array none accepted", token: es(withClaim("aud", []string{"other", "another"})), status: 401, code: "invalid_token", desc: "aud is not"},
		{name: "alg none", token: signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, hdr("kid", "rsa1"), bearerClaims(now)), status: 401, code: "invalid_token", desc: "alg is not"},
		{name: "HS256 with the public key bytes", token: signJWT(t, jwt.SigningMethodHS256, publicKeyPEM(t, &k.rsa.PublicKey), hdr("kid", "rsa1"), bearerClaims(now)), status: 401, code: "invalid_token", desc: "alg is not"},
		{name: "alg not in allow-list", token: signJWT(t, jwt.SigningMethodRS512, k.rsa, hdr("kid", "rsa1"), bearerClaims(now)), status: 401, code: "invalid_token", desc: "alg is not"},
		{name: "alg unknown", token: b64(`{"alg":"XS256","kid":"rsa1","typ":"at+jwt"}`) + "." + goodParts[1] + "." + goodParts[2], status: 401, code: "invalid_token", desc: "alg is not"},
		{name: "alg missing", token: b64(`{"kid":"rsa1","typ":"at+jwt"}`) + "." + goodParts[1] + "." + goodParts[2], status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "bad signature", token: signJWT(t, jwt.SigningMethodES256, k.ec2, at, bearerClaims(now)), status: 401, code: "invalid_token", desc: "signature is not valid"},
		{name: "tampered claims", token: goodParts[0] + "." + b64(`{"iss":"`+testIssuer+`","aud":"registrar","exp":9999999999,"scope":"dcr:register dcr:write"}`) + "." + goodParts[2], status: 401, code: "invalid_token", desc: "signature is not valid"},
		{name: "kid of a key of another type", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "rsa1"), bearerClaims(now)), status: 401, code: "invalid_token", desc: "signing key is not known"},
		{name: "kid not a string", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", 7), bearerClaims(now)), status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "unknown kid after refresh", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "gone"), bearerClaims(now)), status: 401, code: "invalid_token", desc: "signing key is not known"},
		{name: "crit header", token: signJWT(t, jwt.SigningMethodES256, k.ec, hdr("kid", "ec1", "crit", []string{"exp"}, "exp", 1), bearerClaims(now)), status: 401, code: "invalid_token", desc: "crit"},
		{name: "scope missing", token: es(withoutClaim("scope")), status: 403, code: "insufficient_scope", desc: "lacks the scope"},
		{name: "scope missing, none required", loose: true, token: es(withoutClaim("scope"))},
		{name: "scope partially present", token: es(withClaim("scope", "openid dcr:register")), status: 403, code: "insufficient_scope", desc: "lacks the scope"},
		{name: "scope substring is not a scope", token: es(withClaim("scope", "dcr:register-x dcr:write")), status: 403, code: "insufficient_scope", desc: "lacks the scope"},
		{name: "scope not a string", token: es(withClaim("scope", []string{"dcr:register", "dcr:write"})), status: 401, code: "invalid_token", desc: "scope claim is not valid"},
		{name: "scp array", token: es(withoutClaim("scope"), withClaim("scp", []string{"dcr:write", "dcr:register"}))},
		{name: "scp string", token: es(withoutClaim("scope"), withClaim("scp", "dcr:write dcr:register"))},
		{name: "scp array partial", token: es(withoutClaim("scope"), withClaim("scp", []string{"dcr:write"})), status: 403, code: "insufficient_scope", desc: "lacks the scope"},
		{name: "scp array of numbers", token: es(withoutClaim("scope"), withClaim("scp", []int{1})), status: 401, code: "invalid_token", desc: "scope claim is not valid"},
		{name: "jti not a string", token: es(withClaim("jti", 5)), status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "empty token", token: "", status: 401, code: "invalid_token", desc: "missing"},
		{name: "malformed two segments", token: goodParts[0] + "." + goodParts[1], status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "malformed four segments", token: good + ".x", status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "malformed bad base64", token: "!!!." + goodParts[1] + "." + goodParts[2], status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "malformed header not json", token: b64("nope") + "." + goodParts[1] + "." + goodParts[2], status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "malformed payload not json", token: goodParts[0] + "." + b64("[1,2") + "." + goodParts[2], status: 401, code: "invalid_token", desc: "well-formed"},
		{name: "huge token", token: es(withClaim("pad", strings.Repeat("a", 10_000))), status: 401, code: "invalid_token", desc: "too large"},
	}
	if len(tests) < 35 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tc := range tests {
		if (tc.status == 0) != (tc.desc == "") {
			t.Fatalf("%s: an error case needs a desc, a good case none", tc.name)
		}
		t.Run(tc.name, func(t *testing.T) {
			v := fx.strict
			if tc.loose {
				v = fx.loose
			}
			res, err := v.Verify(context.Background(), tc.token)
			wantErr(t, err, tc.status, tc.code)
			if err != nil {
				se, _ := sdk.AsError(err)
				if !strings.Contains(se.Description, tc.desc) || strings.Contains(se.Description, "ci-pipeline") || strings.Contains(se.Description, "evil") {
					t.Errorf("description %q does not name %q, or shows token contents", se.Description, tc.desc)
				}
				return
			}
			if res.Subject != "ci-pipeline" || res.ID != "tok-1" || res.Claims["iss"] != testIssuer || res.ExpiresAt.IsZero() {
				t.Errorf("result = %+v", res)
			}
		})
	}
	// One fetch of the JWKS for every case, plus one refresh for the
	// unknown kids (they come within MinRefreshInterval of each other).
	if c, r := fx.f.calls.Load(), fx.f.refreshes.Load(); c > 3 || r > 2 {
		t.Errorf("%d fetches, %d refreshes for %d verifications", c, r, len(tests))
	}
}

func TestBearerDescriptions(t *testing.T) {
	k := testKeys(t)
	fx := newBearerFixture(t)
	now := fx.clock.Now()
	at := map[string]any{"typ": "at+jwt", "kid": "ec1"}
	for _, tc := range []struct {
		claims jwt.MapClaims
		want   string
	}{
		{bearerClaims(now, withClaim("exp", now.Add(-time.Hour).Unix())), "the access token has expired"},
		{bearerClaims(now, withClaim("iss", "x")), "the access token's iss is not accepted"},
		{bearerClaims(now, withClaim("aud", "x")), "the access token's aud is not accepted"},
		{bearerClaims(now, withoutClaim("scope")), "the access token lacks the scope required to register"},
	} {
		_, err := fx.strict.Verify(context.Background(), signJWT(t, jwt.SigningMethodES256, k.ec, at, tc.claims))
		if se, ok := sdk.AsError(err); !ok || se.Description != tc.want {
			t.Errorf("err = %v; want %q", err, tc.want)
		}
	}
}

// TestBearerKeyRotation: a token signed with a key added to the JWKS after
// it was cached is verified after one refresh, and no request fetches the
// JWKS once both keys are cached.
func TestBearerKeyRotation(t *testing.T) {
	k := testKeys(t)
	fx := newBearerFixture(t)
	now := fx.clock.Now()
	tok1 := signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"typ": "at+jwt", "kid": "ec1"}, bearerClaims(now))
	tok2 := signJWT(t, jwt.SigningMethodES256, k.ec2, map[string]any{"typ": "at+jwt", "kid": "ec2"}, bearerClaims(now))
	ctx := context.Background()
	if _, err := fx.strict.Verify(ctx, tok1); err != nil {
		t.Fatal(err)
	}
	fx.a.setJWKS(jwksJSON(t, jwkOf(k.ec, "ec1", "ES256"), jwkOf(k.ec2, "ec2", "ES256")))
	if _, err := fx.strict.Verify(ctx, tok2); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if c, r := fx.f.calls.Load(), fx.f.refreshes.Load(); c != 2 || r != 1 {
		t.Fatalf("%d fetches (%d refreshes); want 2 (1)", c, r)
	}
	for range 100 {
		for _, tok := range []string{tok1, tok2} {
			if _, err := fx.strict.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c := fx.f.calls.Load(); c != 2 {
		t.Fatalf("%d fetches after 200 verifications of cached keys; want 2", c)
	}
	if got := fx.a.count("/jwks"); got != 2 {
		t.Fatalf("the JWKS server saw %d requests; want 2", got)
	}
}

// TestBearerUnknownKidRefreshOnce: a token with an unknown kid costs one
// refresh, and a flood of them no more within MinRefreshInterval.
func TestBearerUnknownKidRefreshOnce(t *testing.T) {
	k := testKeys(t)
	fx := newBearerFixture(t)
	now := fx.clock.Now()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		tok := signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"typ": "at+jwt", "kid": "random-" + string(rune('a'+i))}, bearerClaims(now))
		wg.Go(func() {
			_, err := fx.strict.Verify(ctx, tok)
			wantErr(t, err, 401, "invalid_token")
		})
	}
	wg.Wait()
	if c, r := fx.f.calls.Load(), fx.f.refreshes.Load(); c != 2 || r != 1 {
		t.Fatalf("%d fetches (%d refreshes) for 20 unknown kids; want 2 (1)", c, r)
	}
}

func TestBearerRemoteJWKSRefused(t *testing.T) {
	k := testKeys(t)
	now := newFakeClock()
	for name, jwks := range map[string]string{
		"private key": `{"keys":[` + rawJWK(t, k.ec, "ec1") + `]}`,
		"oct key":     `{"keys":[{"kty":"oct","kid":"ec1","k":"c2VjcmV0"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			a := newAuthority(t, []byte(jwks))
			v, err := NewBearerVerifier(BearerConfig{
				Issuer: testIssuer, JWKSURI: a.url("/jwks"), Fetch: newTestFetcher().fetch,
				Audiences: []string{testAudience}, Now: now.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			tok := signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"kid": "ec1"}, bearerClaims(now.Now()))
			_, err = v.Verify(context.Background(), tok)
			wantErr(t, err, 503, "temporarily_unavailable")
		})
	}
}

func TestBearerInlineKeys(t *testing.T) {
	k := testKeys(t)
	clock := newFakeClock()
	ks, err := NewInlineKeySet(jwksJSON(t, jwkOf(k.ed, "ed1", "EdDSA")))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewBearerVerifier(BearerConfig{Issuer: testIssuer, Keys: ks, Audiences: []string{testAudience}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "ed1"}, bearerClaims(clock.Now())))
	wantErr(t, err, 0, "")
	_, err = v.Verify(context.Background(), signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "other"}, bearerClaims(clock.Now())))
	wantErr(t, err, 401, "invalid_token")
}

func TestBearerDiscovery(t *testing.T) {
	k := testKeys(t)
	jwks := jwksJSON(t, jwkOf(k.ec, "ec1", "ES256"))
	doc := func(issuer, jwksURI string) string {
		b, _ := json.Marshal(map[string]string{"issuer": issuer, "jwks_uri": jwksURI})
		return string(b)
	}
	tests := []struct {
		name   string
		path   string // issuer path
		setup  func(a *authority, issuer string)
		down   bool
		status int
		code   string
	}{
		{name: "openid configuration", setup: func(a *authority, iss string) {
			a.setDoc("/.well-known/openid-configuration", doc(iss, a.url("/jwks")))
		}},
		{name: "openid configuration with a path", path: "/tenant", setup: func(a *authority, iss string) {
			a.setDoc("/tenant/.well-known/openid-configuration", doc(iss, a.url("/jwks")))
		}},
		{name: "RFC 8414 fallback", path: "/tenant", setup: func(a *authority, iss string) {
			a.setDoc("/.well-known/oauth-authorization-server/tenant", doc(iss, a.url("/jwks")))
		}},
		{name: "issuer mismatch", setup: func(a *authority, iss string) {
			a.setDoc("/.well-known/openid-configuration", doc("https://evil.example.com", a.url("/jwks")))
			a.setDoc("/.well-known/oauth-authorization-server", doc(iss, a.url("/jwks")))
		}, status: 503, code: "temporarily_unavailable"},
		{name: "no jwks_uri", setup: func(a *authority, iss string) {
			a.setDoc("/.well-known/openid-configuration", doc(iss, ""))
		}, status: 503, code: "temporarily_unavailable"},
		{name: "not json", setup: func(a *authority, iss string) {
			a.setDoc("/.well-known/openid-configuration", "<html>")
		}, status: 503, code: "temporarily_unavailable"},
		{name: "no discovery document", setup: func(a *authority, iss string) {}, status: 503, code: "temporarily_unavailable"},
		{name: "discovery server down", setup: func(a *authority, iss string) {}, down: true, status: 503, code: "temporarily_unavailable"},
		{name: "JWKS server down", setup: func(a *authority, iss string) {
			a.setDoc("/.well-known/openid-configuration", doc(iss, "http://127.0.0.1:1/jwks"))
		}, status: 503, code: "temporarily_unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAuthority(t, jwks)
			iss := a.srv.URL + tc.path
			tc.setup(a, iss)
			if tc.down {
				a.srv.Close()
			}
			clock := newFakeClock()
			f := newTestFetcher()
			v, err := NewBearerVerifier(BearerConfig{Issuer: iss, Fetch: f.fetch, Audiences: []string{testAudience}, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			tok := signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"kid": "ec1"}, bearerClaims(clock.Now(), withClaim("iss", iss)))
			_, err = v.Verify(context.Background(), tok)
			wantErr(t, err, tc.status, tc.code)
			if err != nil {
				// A failed discovery is not retried at once.
				calls := f.calls.Load()
				_, err = v.Verify(context.Background(), tok)
				wantErr(t, err, tc.status, tc.code)
				if tc.name != "JWKS server down" && f.calls.Load() != calls {
					t.Errorf("discovery retried within MinRefreshInterval")
				}
				return
			}
			// Discovery happens once.
			for range 10 {
				if _, err := v.Verify(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
			}
			if c := f.calls.Load(); c > 3 {
				t.Errorf("%d fetches; want discovery and the JWKS once", c)
			}
		})
	}
}

func TestJWKSServerDown(t *testing.T) {
	k := testKeys(t)
	a := newAuthority(t, nil)
	a.srv.Close()
	clock := newFakeClock()
	v, err := NewBearerVerifier(BearerConfig{Issuer: testIssuer, JWKSURI: a.url("/jwks"), Fetch: newTestFetcher().fetch, Audiences: []string{testAudience}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"kid": "ec1"}, bearerClaims(clock.Now())))
	wantErr(t, err, 503, "temporarily_unavailable")
	if se, _ := sdk.AsError(err); se.Unwrap() == nil {
		t.Error("the 503 carries no cause for the log")
	}
}

func TestDiscoveryURLs(t *testing.T) {
	for _, tc := range []struct {
		issuer string
		want   []string
	}{
		{"https://as.example.com", []string{"https://as.example.com/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server"}},
		{"https://as.example.com/", []string{"https://as.example.com/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server"}},
		{"https://as.example.com/t/1", []string{"https://as.example.com/t/1/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server/t/1"}},
	} {
		got := discoveryURLs(tc.issuer)
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("discoveryURLs(%q) = %q; want %q", tc.issuer, got, tc.want)
		}
	}
}

func TestNewBearerVerifierErrors(t *testing.T) {
	f := newTestFetcher().fetch
	ks, err := NewInlineKeySet(jwksJSON(t, jwkOf(testKeys(t).ec, "e", "")))
	if err != nil {
		t.Fatal(err)
	}
	base := func(ch func(*BearerConfig)) BearerConfig {
		c := BearerConfig{Issuer: testIssuer, Fetch: f, Audiences: []string{testAudience}}
		ch(&c)
		return c
	}
	for name, cfg := range map[string]BearerConfig{
		"no issuer":             base(func(c *BearerConfig) { c.Issuer = "" }),
		"relative issuer":       base(func(c *BearerConfig) { c.Issuer = "as.example.com" }),
		"no audiences":          base(func(c *BearerConfig) { c.Audiences = nil }),
		"empty audience":        base(func(c *BearerConfig) { c.Audiences = []string{""} }),
		"HS256":                 base(func(c *BearerConfig) { c.Algorithms = []string{"ES256", "HS256"} }),
		"none":                  base(func(c *BearerConfig) { c.Algorithms = []string{"none"} }),
		"empty algorithms":      base(func(c *BearerConfig) { c.Algorithms = []string{} }),
		"keys and jwks_uri":     base(func(c *BearerConfig) { c.Keys, c.JWKSURI = ks, "https://as.example.com/jwks" }),
		"no fetcher":            base(func(c *BearerConfig) { c.Fetch = nil }),
		"empty type":            base(func(c *BearerConfig) { c.Types = []string{""} }),
		"negative size":         base(func(c *BearerConfig) { c.MaxTokenBytes = -1 }),
		"negative refresh time": base(func(c *BearerConfig) { c.KeySetOptions.MinRefreshInterval = -1 }),
	} {
		if _, err := NewBearerVerifier(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewBearerVerifier(base(func(c *BearerConfig) { c.Keys, c.Fetch = ks, nil })); err != nil {
		t.Errorf("inline keys without a fetcher: %v", err)
	}
}

func TestLooksLikeJWT(t *testing.T) {
	k := testKeys(t)
	jwtTok := signJWT(t, jwt.SigningMethodES256, k.ec, nil, jwt.MapClaims{"a": 1})
	none := signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, jwt.MapClaims{"a": 1})
	for _, tc := range []struct {
		name, token string
		want        bool
	}{
		{"jwt", jwtTok, true},
		{"alg none, empty signature", none, true},
		{"empty", "", false},
		{"opaque token", "3q2-7w_ZmFrZS10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm", false},
		{"opaque with dots", "abc.def.ghi", false},
		{"two segments", b64(`{"alg":"ES256"}`) + ".e30", false},
		{"four segments", b64(`{"alg":"ES256"}`) + ".e30.x.y", false},
		{"no alg", b64(`{"typ":"JWT"}`) + ".e30.sig", false},
		{"alg not a string", b64(`{"alg":1}`) + ".e30.sig", false},
		{"empty payload", b64(`{"alg":"ES256"}`) + "..sig", false},
		{"padding", b64(`{"alg":"ES256"}`) + "=.e30.sig", false},
		{"standard base64", b64(`{"alg":"ES256"}`) + ".e3+/.sig", false},
		{"huge header", b64(`{"alg":"ES256","x":"`+strings.Repeat("a", 5000)+`"}`) + ".e30.sig", false},
	} {
		if got := LooksLikeJWT(tc.token); got != tc.want {
			t.Errorf("%s: LooksLikeJWT = %v; want %v", tc.name, got, tc.want)
		}
	}
}

func BenchmarkBearerVerify(b *testing.B) {
	k := testKeys(b)
	for _, bc := range []struct {
		name   string
		method jwt.SigningMethod
		key    any
		kid    string
	}{
		{"ES256", jwt.SigningMethodES256, k.ec, "ec1"},
		{"RS256", jwt.SigningMethodRS256, k.rsa, "rsa1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			fx := newBearerFixture(b)
			tok := signJWT(b, bc.method, bc.key, map[string]any{"typ": "at+jwt", "kid": bc.kid}, bearerClaims(fx.clock.Now()))
			ctx := context.Background()
			if _, err := fx.strict.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := fx.strict.Verify(ctx, tok); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if c := fx.f.calls.Load(); c != 1 {
				b.Fatalf("%d JWKS fetches; want 1", c)
			}
		})
	}
}

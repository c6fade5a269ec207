package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
)

const (
	ssaIssuer       = "https://directory.example.com"
	ssaRemoteIssuer = "https://remote-directory.example.com"
)

// memReplay is an in-memory MarkJTIUsed.
type memReplay struct {
	mu    sync.Mutex
	used  map[string]int64
	calls []replayCall
	err   error // returned instead, when set
}

type replayCall struct {
	key            string
	expiresAt, now int64
}

func newMemReplay() *memReplay { return &memReplay{used: map[string]int64{}} }

func (m *memReplay) mark(_ context.Context, key string, expiresAt, now int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, replayCall{key, expiresAt, now})
	if m.err != nil {
		return m.err
	}
	if exp, ok := m.used[key]; ok && exp > now {
		return fmt.Errorf("mark %q: %w", key, sdk.ErrAlreadyExists)
	}
	m.used[key] = expiresAt
	return nil
}

func (m *memReplay) last() replayCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[len(m.calls)-1]
}

type ssaFixture struct {
	v      *SoftwareStatementVerifier
	replay *memReplay
	a      *authority
	f      *testFetcher
	now    time.Time
}

// newSSAFixture trusts two issuers: one with inline RSA and EC keys (RS256
// and ES256 allowed), one whose Ed25519 key is fetched from a local JWKS
// URL (EdDSA only).
func newSSAFixture(t *testing.T, mutate func(*SoftwareStatementConfig)) *ssaFixture {
	t.Helper()
	k := testKeys(t)
	fx := &ssaFixture{replay: newMemReplay(), f: newTestFetcher(), now: time.Unix(1_800_000_000, 0)}
	inline, err := NewInlineKeySet(jwksJSON(t, jwkOf(k.rsa, "dir-rsa", ""), jwkOf(k.ec, "dir-ec", "ES256")))
	if err != nil {
		t.Fatal(err)
	}
	fx.a = newAuthority(t, jwksJSON(t, jwkOf(k.ed, "remote-ed", "")))
	remote, err := NewRemoteKeySet(fx.a.url("/jwks"), fx.f.fetch, KeySetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	remote.clock = func() time.Time { return fx.now }
	cfg := SoftwareStatementConfig{
		TrustedIssuers: []TrustedIssuer{
			{Issuer: ssaIssuer, Keys: inline, Algorithms: []string{"RS256", "ES256"}},
			{Issuer: ssaRemoteIssuer, Keys: remote, Algorithms: []string{"EdDSA"}},
		},
		MaxAge:     time.Hour,
		RequireJTI: true,
		Replay:     fx.replay.mark,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	if fx.v, err = NewSoftwareStatementVerifier(cfg); err != nil {
		t.Fatal(err)
	}
	return fx
}

func ssaClaims(now time.Time, jti string, changes ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":           ssaIssuer,
		"iat":           now.Add(-10 * time.Minute).Unix(),
		"exp":           now.Add(time.Hour).Unix(),
		"jti":           jti,
		"software_id":   "4NRB1-0XZABZI9E6-5SM3R",
		"client_name":   "Example Statement-based Client",
		"redirect_uris": []string{"https://client.example.net/callback"},
	}
	for _, ch := range changes {
		ch(c)
	}
	return c
}

func TestSoftwareStatementVerify(t *testing.T) {
	k := testKeys(t)
	fx := newSSAFixture(t, nil)
	now := fx.now
	rs := func(jti string, changes ...func(jwt.MapClaims)) string {
		return signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(now, jti, changes...))
	}
	remote := withClaim("iss", ssaRemoteIssuer)
	tests := []struct {
		name      string
		statement string
		status    int
		code      string
		desc      string // exact description of an error
	}{
		{name: "good RS256", statement: rs("good-rs")},
		{name: "good ES256", statement: signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"kid": "dir-ec"}, ssaClaims(now, "good-es"))},
		{name: "good without kid", statement: signJWT(t, jwt.SigningMethodES256, k.ec, nil, ssaClaims(now, "good-nokid"))},
		{name: "good via JWKS URL", statement: signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "remote-ed"}, ssaClaims(now, "good-remote", remote))},
		{name: "good without exp", statement: rs("good-noexp", withoutClaim("exp"))},
		{name: "untrusted issuer", statement: rs("untrusted", withClaim("iss", "https://evil.example.com")), status: 400, code: "unapproved_software_statement", desc: "software_statement: the issuer is not trusted"},
		{name: "issuer differs by a slash", statement: rs("slash", withClaim("iss", ssaIssuer+"/")), status: 400, code: "unapproved_software_statement", desc: "software_statement: the issuer is not trusted"},
		{name: "missing iss", statement: rs("noiss", withoutClaim("iss")), status: 400, code: "invalid_software_statement", desc: "software_statement: iss is required"},
		{name: "iss not a string", statement: rs("numiss", withClaim("iss", 42)), status: 400, code: "invalid_software_statement", desc: "software_statement: iss must be a string"},
		{name: "expired", statement: rs("expired", withClaim("exp", now.Add(-5*time.Minute).Unix())), status: 400, code: "invalid_software_statement", desc: "software_statement: expired"},
		{name: "expired within leeway", statement: rs("exp-leeway", withClaim("exp", now.Add(-30*time.Second).Unix()))},
		{name: "exp not a number", statement: rs("exp-type", withClaim("exp", "soon")), status: 400, code: "invalid_software_statement", desc: "software_statement: exp must be a number"},
		{name: "iat too old", statement: rs("old", withClaim("iat", now.Add(-2*time.Hour).Unix()), withClaim("exp", now.Add(time.Hour).Unix())), status: 400, code: "invalid_software_statement", desc: "software_statement: too old (iat)"},
		{name: "iat in future", statement: rs("future", withClaim("iat", now.Add(10*time.Minute).Unix())), status: 400, code: "invalid_software_statement", desc: "software_statement: iat is in the future"},
		{name: "missing iat with max age", statement: rs("noiat", withoutClaim("iat")), status: 400, code: "invalid_software_statement", desc: "software_statement: iat is required"},
		{name: "nbf in future", statement: rs("nbf", withClaim("nbf", now.Add(10*time.Minute).Unix())), status: 400, code: "invalid_software_statement", desc: "software_statement: not valid yet (nbf)"},
		{name: "bad signature", statement: signJWT(t, jwt.SigningMethodRS256, k.rsa2, map[string]any{"kid": "dir-rsa"}, ssaClaims(now, "badsig")), status: 400, code: "invalid_software_statement", desc: "software_statement: signature is not valid"},
		{name: "signed by the other issuer's key", statement: signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "remote-ed"}, ssaClaims(now, "cross")), status: 400, code: "invalid_software_statement", desc: "software_statement: alg is not accepted for its issuer"},
		{name: "missing jti when required", statement: rs("", withoutClaim("jti")), status: 400, code: "invalid_software_statement", desc: "software_statement: jti is required"},
		{name: "jti not a string", statement: rs("", withClaim("jti", 12)), status: 400, code: "invalid_software_statement", desc: "software_statement: jti must be a string"},
		{name: "alg not allowed for the issuer", statement: signJWT(t, jwt.SigningMethodPS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(now, "ps256")), status: 400, code: "invalid_software_statement", desc: "software_statement: alg is not accepted for its issuer"},
		{name: "alg of another issuer", statement: signJWT(t, jwt.SigningMethodES256, k.ec, map[string]any{"kid": "dir-ec"}, ssaClaims(now, "es-remote", remote)), status: 400, code: "invalid_software_statement", desc: "software_statement: alg is not accepted for its issuer"},
		{name: "alg none", statement: signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, ssaClaims(now, "none")), status: 400, code: "invalid_software_statement", desc: "software_statement: alg is not accepted for its issuer"},
		{name: "HS256 with the public key bytes", statement: signJWT(t, jwt.SigningMethodHS256, publicKeyPEM(t, &k.rsa.PublicKey), map[string]any{"kid": "dir-rsa"}, ssaClaims(now, "hs")), status: 400, code: "invalid_software_statement", desc: "software_statement: alg is not accepted for its issuer"},
		{name: "unknown kid", statement: signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "nope"}, ssaClaims(now, "kid")), status: 400, code: "invalid_software_statement", desc: "software_statement: no key of the issuer matches its kid and alg"},
		{name: "unknown kid via JWKS URL", statement: signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "nope"}, ssaClaims(now, "kid-remote", remote)), status: 400, code: "invalid_software_statement", desc: "software_statement: no key of the issuer matches its kid and alg"},
		{name: "crit header", statement: signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa", "crit": []string{"x"}, "x": 1}, ssaClaims(now, "crit")), status: 400, code: "invalid_software_statement", desc: "software_statement: the crit header is not supported"},
		{name: "malformed", statement: "not-a-jwt", status: 400, code: "invalid_software_statement", desc: "software_statement: is not a well-formed JWT"},
		{name: "malformed bad base64", statement: "!!.!!.!!", status: 400, code: "invalid_software_statement", desc: "software_statement: is not a well-formed JWT"},
		{name: "empty", statement: "", status: 400, code: "invalid_software_statement", desc: "software_statement: is empty"},
		{name: "too large", statement: rs("big", withClaim("pad", strings.Repeat("x", 20_000))), status: 400, code: "invalid_software_statement", desc: "software_statement: is too large"},
	}
	for _, tc := range tests {
		if (tc.status == 0) != (tc.desc == "") {
			t.Fatalf("%s: an error case needs a desc, a good case none", tc.name)
		}
		t.Run(tc.name, func(t *testing.T) {
			claims, err := fx.v.Verify(context.Background(), tc.statement, now)
			wantErr(t, err, tc.status, tc.code)
			if err != nil {
				if se, _ := sdk.AsError(err); se.Description != tc.desc {
					t.Errorf("description %q; want %q", se.Description, tc.desc)
				}
				return
			}
			if claims["software_id"] != "4NRB1-0XZABZI9E6-5SM3R" || claims["client_name"] == nil {
				t.Errorf("claims = %v", claims)
			}
		})
	}
}

// verifyAndSpend is what the server does with a statement it stores.
func (fx *ssaFixture) verifyAndSpend(stmt string, now time.Time) (map[string]any, error) {
	claims, err := fx.v.Verify(context.Background(), stmt, now)
	if err != nil {
		return nil, err
	}
	return claims, fx.v.Spend(context.Background(), claims, now)
}

func TestSoftwareStatementReplay(t *testing.T) {
	k := testKeys(t)
	leeway := int64(DefaultLeeway / time.Second)
	t.Run("second use refused", func(t *testing.T) {
		fx := newSSAFixture(t, nil)
		stmt := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "once"))
		_, err := fx.verifyAndSpend(stmt, fx.now)
		wantErr(t, err, 0, "")
		c := fx.replay.last()
		// iat (now-10m) + MaxAge + leeway comes before exp (now+1h) + leeway.
		if want := fx.now.Add(50*time.Minute).Unix() + leeway; c.key != ssaIssuer+"\x00once" || c.expiresAt != want || c.now != fx.now.Unix() {
			t.Errorf("replay call = %+v; want key %q, expiresAt %d", c, ssaIssuer+"\x00once", want)
		}
		_, err = fx.verifyAndSpend(stmt, fx.now.Add(time.Second))
		wantErr(t, err, 400, "invalid_software_statement")
		if se, _ := sdk.AsError(err); se.Description != "software_statement: has been used before" {
			t.Errorf("description %q", se.Description)
		}
		// Another jti of the same issuer is fine.
		_, err = fx.verifyAndSpend(signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "twice")), fx.now)
		wantErr(t, err, 0, "")
	})
	t.Run("verify alone does not spend", func(t *testing.T) {
		fx := newSSAFixture(t, nil)
		stmt := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "v"))
		for range 3 {
			if _, err := fx.v.Verify(context.Background(), stmt, fx.now); err != nil {
				t.Fatal(err)
			}
		}
		if len(fx.replay.calls) != 0 {
			t.Fatalf("Verify called the replay hook")
		}
	})
	t.Run("without exp or max age, never usable again", func(t *testing.T) {
		fx := newSSAFixture(t, func(c *SoftwareStatementConfig) { c.MaxAge = 0 })
		stmt := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "forever", withoutClaim("exp")))
		_, err := fx.verifyAndSpend(stmt, fx.now)
		wantErr(t, err, 0, "")
		_, err = fx.verifyAndSpend(stmt, fx.now.Add(25*time.Hour))
		wantErr(t, err, 400, "invalid_software_statement")
	})
	t.Run("refused statement does not burn its jti", func(t *testing.T) {
		fx := newSSAFixture(t, nil)
		bad := signJWT(t, jwt.SigningMethodRS256, k.rsa2, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "j"))
		_, err := fx.verifyAndSpend(bad, fx.now)
		wantErr(t, err, 400, "invalid_software_statement")
		if len(fx.replay.calls) != 0 {
			t.Fatalf("replay hook called for a refused statement")
		}
		good := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "j"))
		_, err = fx.verifyAndSpend(good, fx.now)
		wantErr(t, err, 0, "")
	})
	t.Run("expiry from exp", func(t *testing.T) {
		fx := newSSAFixture(t, func(c *SoftwareStatementConfig) { c.MaxAge = 0 })
		exp := fx.now.Add(20 * time.Minute)
		_, err := fx.verifyAndSpend(signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"},
			ssaClaims(fx.now, "e", withClaim("exp", exp.Unix()))), fx.now)
		wantErr(t, err, 0, "")
		if got := fx.replay.last().expiresAt; got != exp.Unix()+leeway {
			t.Errorf("expiresAt = %d; want exp+leeway %d", got, exp.Unix()+leeway)
		}
	})
	t.Run("expiry without exp or max age", func(t *testing.T) {
		fx := newSSAFixture(t, func(c *SoftwareStatementConfig) { c.MaxAge = 0 })
		_, err := fx.verifyAndSpend(signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"},
			ssaClaims(fx.now, "n", withoutClaim("exp"))), fx.now)
		wantErr(t, err, 0, "")
		if got, want := fx.replay.last().expiresAt, fx.now.Add(NoExpiryReplayWindow).Unix(); got != want {
			t.Errorf("expiresAt = %d; want now+100y %d", got, want)
		}
	})
	t.Run("no jti, not required", func(t *testing.T) {
		fx := newSSAFixture(t, func(c *SoftwareStatementConfig) { c.RequireJTI = false })
		stmt := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "", withoutClaim("jti")))
		for range 2 {
			_, err := fx.verifyAndSpend(stmt, fx.now)
			wantErr(t, err, 0, "")
		}
		if len(fx.replay.calls) != 0 {
			t.Errorf("replay hook called without a jti")
		}
	})
	for name, tc := range map[string]struct {
		err    error
		status int
		code   string
	}{
		"store unavailable": {fmt.Errorf("mark: %w", sdk.ErrUnavailable), 503, "temporarily_unavailable"},
		"deadline":          {context.DeadlineExceeded, 503, "temporarily_unavailable"},
		"store broken":      {errors.New("disk on fire"), 500, "server_error"},
		"sdk error":         {sdk.ErrTooManyRequests().WithDescription("slow down"), 429, "too_many_requests"},
	} {
		t.Run(name, func(t *testing.T) {
			fx := newSSAFixture(t, nil)
			fx.replay.err = tc.err
			_, err := fx.verifyAndSpend(signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "x")), fx.now)
			wantErr(t, err, tc.status, tc.code)
		})
	}
}

func TestSoftwareStatementKeyOutage(t *testing.T) {
	k := testKeys(t)
	fx := newSSAFixture(t, nil)
	fx.a.srv.Close()
	stmt := signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "remote-ed"}, ssaClaims(fx.now, "o", withClaim("iss", ssaRemoteIssuer)))
	_, err := fx.v.Verify(context.Background(), stmt, fx.now)
	wantErr(t, err, 503, "temporarily_unavailable")
	// The inline issuer is not affected.
	_, err = fx.v.Verify(context.Background(), signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "o")), fx.now)
	wantErr(t, err, 0, "")
}

func TestSoftwareStatementRemoteFetchCount(t *testing.T) {
	k := testKeys(t)
	fx := newSSAFixture(t, func(c *SoftwareStatementConfig) { c.Replay = nil })
	stmt := signJWT(t, jwt.SigningMethodEdDSA, k.ed, map[string]any{"kid": "remote-ed"}, ssaClaims(fx.now, "c", withClaim("iss", ssaRemoteIssuer)))
	for range 50 {
		if _, err := fx.v.Verify(context.Background(), stmt, fx.now); err != nil {
			t.Fatal(err)
		}
	}
	if c := fx.f.calls.Load(); c != 1 {
		t.Fatalf("%d fetches for 50 statements; want 1", c)
	}
}

func TestNewSoftwareStatementVerifierErrors(t *testing.T) {
	ks, err := NewInlineKeySet(jwksJSON(t, jwkOf(testKeys(t).ec, "e", "")))
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]SoftwareStatementConfig{
		"no issuers":       {},
		"empty issuer":     {TrustedIssuers: []TrustedIssuer{{Keys: ks}}},
		"no keys":          {TrustedIssuers: []TrustedIssuer{{Issuer: ssaIssuer}}},
		"duplicate issuer": {TrustedIssuers: []TrustedIssuer{{Issuer: ssaIssuer, Keys: ks}, {Issuer: ssaIssuer, Keys: ks}}},
		"HS256":            {TrustedIssuers: []TrustedIssuer{{Issuer: ssaIssuer, Keys: ks, Algorithms: []string{"HS256"}}}},
		"none":             {TrustedIssuers: []TrustedIssuer{{Issuer: ssaIssuer, Keys: ks, Algorithms: []string{"none"}}}},
		"negative max age": {TrustedIssuers: []TrustedIssuer{{Issuer: ssaIssuer, Keys: ks}}, MaxAge: -time.Second},
	} {
		if _, err := NewSoftwareStatementVerifier(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSoftwareStatementRecheck: a statement sent back on update needs a
// trusted issuer and a valid signature, not a fresh lifetime or jti.
func TestSoftwareStatementRecheck(t *testing.T) {
	k := testKeys(t)
	fx := newSSAFixture(t, nil)
	ctx := context.Background()
	old := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"},
		ssaClaims(fx.now.Add(-48*time.Hour), "old", withClaim("exp", fx.now.Add(-24*time.Hour).Unix())))
	if _, err := fx.v.Verify(ctx, old, fx.now); err == nil {
		t.Fatal("Verify accepted an expired statement")
	}
	if _, err := fx.v.Recheck(ctx, old); err != nil {
		t.Fatalf("Recheck of an expired but genuine statement: %v", err)
	}
	forged := signJWT(t, jwt.SigningMethodRS256, k.rsa2, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "f"))
	_, err := fx.v.Recheck(ctx, forged)
	wantErr(t, err, 400, "invalid_software_statement")
	untrusted := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, "u", withClaim("iss", "https://rogue.example.com")))
	_, err = fx.v.Recheck(ctx, untrusted)
	wantErr(t, err, 400, "unapproved_software_statement")
	if len(fx.replay.calls) != 0 {
		t.Error("Recheck spent a jti")
	}
}

// TestSoftwareStatementAudience: an issuer with audiences accepts only
// statements addressed to one of them.
func TestSoftwareStatementAudience(t *testing.T) {
	k := testKeys(t)
	fx := newSSAFixture(t, func(c *SoftwareStatementConfig) {
		for i := range c.TrustedIssuers {
			if c.TrustedIssuers[i].Issuer == ssaIssuer {
				c.TrustedIssuers[i].Audiences = []string{"https://dcr.example.com"}
			}
		}
	})
	tests := []struct {
		name   string
		opt    func(jwt.MapClaims)
		status int
		code   string
	}{
		{"aud matches", withClaim("aud", "https://dcr.example.com"), 0, ""},
		{"aud array holds it", withClaim("aud", []string{"https://other.example.com", "https://dcr.example.com"}), 0, ""},
		{"no aud", withoutClaim("aud"), 400, "invalid_software_statement"},
		{"another aud", withClaim("aud", "https://api.example.com"), 400, "invalid_software_statement"},
		{"aud of the wrong type", withClaim("aud", 7), 400, "invalid_software_statement"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stmt := signJWT(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": "dir-rsa"}, ssaClaims(fx.now, fmt.Sprintf("aud-%d", i), tc.opt))
			_, err := fx.v.Verify(context.Background(), stmt, fx.now)
			wantErr(t, err, tc.status, tc.code)
		})
	}
}

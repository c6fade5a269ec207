package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
)

// Test keys, generated once per test binary: real RSA 2048, EC P-256 and
// P-384, and Ed25519 keys.
type testKeySet struct {
	rsa, rsa2 *rsa.PrivateKey
	ec, ec2   *ecdsa.PrivateKey
	ec384     *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
}

var (
	testKeysOnce sync.Once
	testKeysVal  testKeySet
)

func testKeys(tb testing.TB) *testKeySet {
	tb.Helper()
	testKeysOnce.Do(func() {
		k := &testKeysVal
		k.rsa = mustKey(rsa.GenerateKey(rand.Reader, 2048))
		k.rsa2 = mustKey(rsa.GenerateKey(rand.Reader, 2048))
		k.ec = mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
		k.ec2 = mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
		k.ec384 = mustKey(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
		_, ed, err := ed25519.GenerateKey(rand.Reader)
		k.ed = mustKey(ed, err)
	})
	return &testKeysVal
}

func mustKey[K any](k K, err error) K {
	if err != nil {
		panic(err)
	}
	return k
}

// jwkOf returns the public JWK of a private key.
func jwkOf(priv any, kid, alg string) jose.JSONWebKey {
	var pub any
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case ed25519.PrivateKey:
		pub = k.Public()
	default:
		pub = priv
	}
	return jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}
}

func jwksJSON(tb testing.TB, keys ...jose.JSONWebKey) []byte {
	tb.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rawJWK marshals one JWK (private keys included) as a JSON object.
func rawJWK(tb testing.TB, key any, kid string) string {
	tb.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// authority is a local (loopback) HTTP server serving a JWKS at /jwks and
// discovery documents at the paths set in docs.
type authority struct {
	srv  *httptest.Server
	mu   sync.Mutex
	jwks []byte
	docs map[string]string
	hits map[string]int
}

func newAuthority(tb testing.TB, jwks []byte) *authority {
	tb.Helper()
	a := &authority{jwks: jwks, docs: map[string]string{}, hits: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.hits[r.URL.Path]++
		body, ok := a.docs[r.URL.Path]
		if r.URL.Path == "/jwks" {
			body, ok = string(a.jwks), true
		}
		a.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	tb.Cleanup(a.srv.Close)
	return a
}

func (a *authority) url(path string) string { return a.srv.URL + path }

func (a *authority) setJWKS(b []byte) {
	a.mu.Lock()
	a.jwks = b
	a.mu.Unlock()
}

func (a *authority) setDoc(path, body string) {
	a.mu.Lock()
	a.docs[path] = body
	a.mu.Unlock()
}

func (a *authority) count(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits[path]
}

// testFetcher is a FetchFunc over a plain http.Client, restricted to
// loopback hosts, counting its calls.
type testFetcher struct {
	client    http.Client
	calls     atomic.Int64
	refreshes atomic.Int64
}

func newTestFetcher() *testFetcher {
	return &testFetcher{client: http.Client{Timeout: 5 * time.Second}}
}

func (f *testFetcher) fetch(ctx context.Context, rawURL string, refresh bool) ([]byte, error) {
	f.calls.Add(1)
	if refresh {
		f.refreshes.Add(1)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("test fetcher: %s is not a loopback address", u.Host)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", rawURL, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_800_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// signJWT signs claims with method and key; header entries are added to
// (or, when nil, removed from) the JOSE header.
func signJWT(tb testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// wantErr asserts that err is nil when status is 0, and otherwise an
// *sdk.Error with that status and code.
func wantErr(tb testing.TB, err error, status int, code string) {
	tb.Helper()
	if status == 0 {
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return
	}
	se, ok := sdk.AsError(err)
	if !ok {
		tb.Fatalf("error %v (%T) is not an *sdk.Error; want %d %s", err, err, status, code)
	}
	if se.Status != status || se.Code != code {
		tb.Fatalf("got %d %s (%q); want %d %s", se.Status, se.Code, se.Description, status, code)
	}
}

func TestNewInlineKeySet(t *testing.T) {
	k := testKeys(t)
	pubRSA := rawJWK(t, &k.rsa.PublicKey, "r")
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	set := func(keys ...string) []byte { return []byte(`{"keys":[` + strings.Join(keys, ",") + `]}`) }
	tests := []struct {
		name    string
		jwks    []byte
		keys    int    // usable keys when ok
		problem string // substring of the error; "" when ok
	}{
		{name: "rsa ec ed", jwks: jwksJSON(t, jwkOf(k.rsa, "r", "RS256"), jwkOf(k.ec, "e", "ES256"), jwkOf(k.ed, "d", "")), keys: 3},
		{name: "no use no alg", jwks: set(pubRSA), keys: 1},
		{name: "private rsa", jwks: set(pubRSA, rawJWK(t, k.rsa, "p")), problem: "keys[1]: private key material"},
		{name: "private ec", jwks: set(rawJWK(t, k.ec, "p")), problem: "private key material"},
		{name: "private ed25519", jwks: set(rawJWK(t, k.ed, "p")), problem: "private key material"},
		{name: "oct", jwks: set(`{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0","kid":"h"}`), problem: "symmetric"},
		{name: "oct upper-case kty", jwks: set(`{"kty":"OCT","k":"c2VjcmV0"}`), problem: "symmetric"},
		{name: "k member on rsa", jwks: set(`{"kty":"RSA","k":"c2VjcmV0","n":"AQAB","e":"AQAB"}`), problem: "symmetric"},
		{name: "rsa 1024", jwks: set(rawJWK(t, &small.PublicKey, "s")), problem: "1024 bits"},
		{name: "use enc ignored", jwks: set(pubRSA, strings.Replace(rawJWK(t, &k.rsa2.PublicKey, "x"), `"kty"`, `"use":"enc","kty"`, 1)), keys: 1},
		{name: "only enc key", jwks: set(strings.Replace(pubRSA, `"kty"`, `"use":"enc","kty"`, 1)), problem: "no usable signing key"},
		{name: "encryption alg ignored", jwks: set(pubRSA, strings.Replace(rawJWK(t, &k.rsa2.PublicKey, "x"), `"kty"`, `"alg":"RSA-OAEP","kty"`, 1)), keys: 1},
		{name: "unknown kty ignored", jwks: set(pubRSA, `{"kty":"XYZ","kid":"u"}`), keys: 1},
		{name: "x25519 ignored", jwks: set(pubRSA, `{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}`), keys: 1},
		{name: "alg does not fit key", jwks: set(strings.Replace(pubRSA, `"kty"`, `"alg":"ES256","kty"`, 1)), problem: `alg "ES256" does not fit`},
		{name: "ec point not on curve", jwks: set(`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), problem: "keys[0]"},
		{name: "empty keys", jwks: []byte(`{"keys":[]}`), problem: "no usable signing key"},
		{name: "no keys member", jwks: []byte(`{}`), problem: "keys member is missing"},
		{name: "not json", jwks: []byte(`not json`), problem: "not a JSON Web Key Set"},
		{name: "nil", jwks: nil, problem: "not a JSON Web Key Set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := NewInlineKeySet(tc.jwks)
			if tc.problem != "" {
				if err == nil || !errors.Is(err, ErrInvalidKeySet) || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err = %v; want ErrInvalidKeySet with %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(ks.state.Load().keys); got != tc.keys {
				t.Errorf("%d usable keys; want %d", got, tc.keys)
			}
		})
	}
}

func TestKeySetLookup(t *testing.T) {
	k := testKeys(t)
	ks, err := NewInlineKeySet(jwksJSON(t,
		jwkOf(k.rsa, "r1", ""), jwkOf(k.rsa2, "r2", "PS256"),
		jwkOf(k.ec, "e1", "ES256"), jwkOf(k.ec384, "e384", ""), jwkOf(k.ed, "d1", "")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, kid, alg string
		ok             bool
	}{
		{name: "kid and alg", kid: "r1", alg: "RS256", ok: true},
		{name: "rsa key without alg takes PS256", kid: "r1", alg: "PS384", ok: true},
		{name: "jwk alg must equal", kid: "r2", alg: "RS256", ok: false},
		{name: "jwk alg equal", kid: "r2", alg: "PS256", ok: true},
		{name: "ec curve must fit", kid: "e1", alg: "ES384", ok: false},
		{name: "p-384", kid: "e384", alg: "ES384", ok: true},
		{name: "kid of another type", kid: "r1", alg: "ES256", ok: false},
		{name: "unknown kid", kid: "zz", alg: "RS256", ok: false},
		{name: "no kid one fits", kid: "", alg: "EdDSA", ok: true},
		{name: "no kid one fits es256", kid: "", alg: "ES256", ok: true},
		{name: "no kid several fit", kid: "", alg: "PS256", ok: false},
		{name: "hmac never fits", kid: "r1", alg: "HS256", ok: false},
		{name: "none never fits", kid: "", alg: "none", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ks.Keys(context.Background(), tc.kid, tc.alg)
			if tc.ok != (err == nil) {
				t.Fatalf("Keys(%q, %q) = %d keys, %v; want ok=%v", tc.kid, tc.alg, len(keys), err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrKeyNotFound) {
				t.Fatalf("err = %v; want ErrKeyNotFound", err)
			}
		})
	}
}

// remoteKeySet returns a KeySet over the authority's /jwks with a fake
// clock.
func remoteKeySet(t *testing.T, a *authority, f *testFetcher, clock *fakeClock) *KeySet {
	t.Helper()
	ks, err := NewRemoteKeySet(a.url("/jwks"), f.fetch, KeySetOptions{CacheTTL: time.Minute, MinRefreshInterval: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ks.clock = clock.Now
	return ks
}

// TestKeySetCache: a cached set answers without fetching; after the TTL
// the FetchFunc is asked again and identical bytes are not parsed again.
func TestKeySetCache(t *testing.T) {
	k := testKeys(t)
	a := newAuthority(t, jwksJSON(t, jwkOf(k.ec, "e1", "ES256")))
	f := newTestFetcher()
	clock := newFakeClock()
	ks := remoteKeySet(t, a, f, clock)
	ctx := context.Background()
	for range 200 {
		if _, err := ks.Keys(ctx, "e1", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("%d fetches for 200 lookups; want 1", got)
	}
	clock.Advance(2 * time.Minute)
	for range 10 {
		if _, err := ks.Keys(ctx, "e1", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	if got, parses := f.calls.Load(), ks.parses.Load(); got != 2 || parses != 1 {
		t.Fatalf("after the TTL: %d fetches, %d parses; want 2 fetches, 1 parse (same bytes)", got, parses)
	}
	a.setJWKS(jwksJSON(t, jwkOf(k.ec2, "e2", "ES256")))
	clock.Advance(2 * time.Minute)
	if _, err := ks.Keys(ctx, "e2", "ES256"); err != nil {
		t.Fatal(err)
	}
	if got, parses := f.calls.Load(), ks.parses.Load(); got != 3 || parses != 2 {
		t.Fatalf("after a change: %d fetches, %d parses; want 3, 2", got, parses)
	}
	if f.refreshes.Load() != 0 {
		t.Fatalf("%d refreshes; want 0", f.refreshes.Load())
	}
}

// TestKeySetRefreshOnce: an unknown kid causes exactly one refresh, and
// another unknown kid within MinRefreshInterval none.
func TestKeySetRefreshOnce(t *testing.T) {
	k := testKeys(t)
	a := newAuthority(t, jwksJSON(t, jwkOf(k.ec, "e1", "ES256")))
	f := newTestFetcher()
	clock := newFakeClock()
	ks := remoteKeySet(t, a, f, clock)
	ctx := context.Background()

	if _, err := ks.Keys(ctx, "nope", "ES256"); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("err = %v; want ErrKeyNotFound", err)
	}
	if c, r := f.calls.Load(), f.refreshes.Load(); c != 2 || r != 1 {
		t.Fatalf("%d fetches (%d refreshes); want 2 (1)", c, r)
	}
	if _, err := ks.Keys(ctx, "nope2", "ES256"); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("err = %v; want ErrKeyNotFound", err)
	}
	if r := f.refreshes.Load(); r != 1 {
		t.Fatalf("%d refreshes within MinRefreshInterval; want 1", r)
	}
	// The known key still works without fetching.
	if _, err := ks.Keys(ctx, "e1", "ES256"); err != nil {
		t.Fatal(err)
	}
	if c := f.calls.Load(); c != 2 {
		t.Fatalf("%d fetches; want 2", c)
	}
	// After the interval a new key (rotation) is found with one refresh.
	a.setJWKS(jwksJSON(t, jwkOf(k.ec, "e1", "ES256"), jwkOf(k.ec2, "e2", "ES256")))
	clock.Advance(11 * time.Second)
	if _, err := ks.Keys(ctx, "e2", "ES256"); err != nil {
		t.Fatal(err)
	}
	if c, r := f.calls.Load(), f.refreshes.Load(); c != 3 || r != 2 {
		t.Fatalf("%d fetches (%d refreshes); want 3 (2)", c, r)
	}
}

// TestKeySetConcurrentRefresh: concurrent lookups of one unknown kid
// share a single refresh.
func TestKeySetConcurrentRefresh(t *testing.T) {
	k := testKeys(t)
	a := newAuthority(t, jwksJSON(t, jwkOf(k.ec, "e1", "ES256")))
	f := newTestFetcher()
	clock := newFakeClock()
	ks := remoteKeySet(t, a, f, clock)
	if _, err := ks.Keys(context.Background(), "e1", "ES256"); err != nil {
		t.Fatal(err)
	}
	a.setJWKS(jwksJSON(t, jwkOf(k.ec, "e1", "ES256"), jwkOf(k.ec2, "e2", "ES256")))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			if _, err := ks.Keys(context.Background(), "e2", "ES256"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r := f.refreshes.Load(); r != 1 {
		t.Fatalf("%d refreshes for 32 concurrent lookups; want 1", r)
	}
}

// TestKeySetOutage: without a cached set an outage is ErrKeysUnavailable
// (remembered for MinRefreshInterval); with one, the cached keys keep
// working.
func TestKeySetOutage(t *testing.T) {
	k := testKeys(t)
	a := newAuthority(t, jwksJSON(t, jwkOf(k.ec, "e1", "ES256")))
	f := newTestFetcher()
	clock := newFakeClock()
	ks := remoteKeySet(t, a, f, clock)
	ctx := context.Background()
	if _, err := ks.Keys(ctx, "e1", "ES256"); err != nil {
		t.Fatal(err)
	}
	a.srv.Close()
	clock.Advance(2 * time.Minute)
	if _, err := ks.Keys(ctx, "e1", "ES256"); err != nil {
		t.Fatalf("cached keys during an outage: %v", err)
	}
	if _, err := ks.Keys(ctx, "e2", "ES256"); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("unknown kid during an outage: %v; want ErrKeysUnavailable", err)
	}

	down, err := NewRemoteKeySet(a.url("/jwks"), f.fetch, KeySetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	down.clock = clock.Now
	before := f.calls.Load()
	for range 5 {
		if _, err := down.Keys(ctx, "e1", "ES256"); !errors.Is(err, ErrKeysUnavailable) {
			t.Fatalf("err = %v; want ErrKeysUnavailable", err)
		}
	}
	if got := f.calls.Load() - before; got != 1 {
		t.Fatalf("%d fetches of a down JWKS within MinRefreshInterval; want 1", got)
	}
}

func TestKeySetRemoteRefused(t *testing.T) {
	k := testKeys(t)
	for name, body := range map[string]string{
		"private": `{"keys":[` + rawJWK(t, k.ec, "e1") + `]}`,
		"oct":     `{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"e1"}]}`,
		"garbage": `<html>`,
	} {
		t.Run(name, func(t *testing.T) {
			a := newAuthority(t, []byte(body))
			f := newTestFetcher()
			ks := remoteKeySet(t, a, f, newFakeClock())
			for range 3 {
				if _, err := ks.Keys(context.Background(), "e1", "ES256"); !errors.Is(err, ErrInvalidKeySet) {
					t.Fatalf("err = %v; want ErrInvalidKeySet", err)
				}
			}
			if c := f.calls.Load(); c != 1 {
				t.Fatalf("%d fetches; want 1 (the refusal is cached)", c)
			}
		})
	}
}

func TestNewRemoteKeySetErrors(t *testing.T) {
	f := newTestFetcher()
	if _, err := NewRemoteKeySet("", f.fetch, KeySetOptions{}); err == nil {
		t.Error("empty URL accepted")
	}
	if _, err := NewRemoteKeySet("https://x/jwks", nil, KeySetOptions{}); err == nil {
		t.Error("nil FetchFunc accepted")
	}
	if _, err := NewRemoteKeySet("https://x/jwks", f.fetch, KeySetOptions{CacheTTL: -1}); err == nil {
		t.Error("negative TTL accepted")
	}
}

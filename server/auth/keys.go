package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FetchFunc fetches the document at url: a JWKS (RFC 7517 §5) or a
// discovery document (OpenID Connect Discovery 1.0 §4, RFC 8414 §3). The
// server's hardened fetcher (https only, no private addresses, no
// redirects, size and time limits, caching) provides it.
//
// refresh=false may answer from the fetcher's cache; refresh=true asks it to
// bypass the cache, and is used when a token names a key the cached set
// does not hold (key rotation). A FetchFunc must not modify a slice it has
// returned, and must be safe for concurrent use.
type FetchFunc func(ctx context.Context, url string, refresh bool) ([]byte, error)

// Errors of KeySet.Keys. They are internal: BearerVerifier and
// SoftwareStatementVerifier turn them into *sdk.Error answers.
var (
	// ErrKeyNotFound means no key of the set matches the token's kid and
	// alg, even after a refresh, or the token has no kid and several keys
	// fit it.
	ErrKeyNotFound = errors.New("auth: no verification key matches the token")
	// ErrKeysUnavailable wraps the error of a FetchFunc that could not
	// fetch the key set (or a discovery document).
	ErrKeysUnavailable = errors.New("auth: the verification keys cannot be fetched")
	// ErrInvalidKeySet means a JWKS is not valid JSON, or holds a key that
	// is refused: private, symmetric (oct), an RSA key under 2048 bits, or
	// a malformed key.
	ErrInvalidKeySet = errors.New("auth: the JWKS is not valid")
)

// Defaults of KeySetOptions.
const (
	DefaultKeyCacheTTL        = 5 * time.Minute
	DefaultMinRefreshInterval = 10 * time.Second
)

// Limits of a JWKS.
const (
	maxJWKSKeys    = 100
	minRSAKeyBits  = 2048
	jwksDescPrefix = "jwks"
)

// KeySetOptions tune the cache of a KeySet fetched from a URL.
type KeySetOptions struct {
	// CacheTTL is how long the parsed keys are used without asking the
	// FetchFunc again; 0 means DefaultKeyCacheTTL. After it, the FetchFunc
	// is asked with refresh=false (its own cache may answer) and the body
	// is parsed again only when its bytes changed.
	CacheTTL time.Duration
	// MinRefreshInterval is the least time between two fetches with
	// refresh=true (caused by unknown kids), and how long a failed fetch is
	// remembered before the URL is tried again; 0 means
	// DefaultMinRefreshInterval. It keeps tokens with random kids from
	// turning into a flood of fetches.
	MinRefreshInterval time.Duration
}

// KeySet holds the verification keys of one issuer (RFC 7517 §5): either
// an inline JWKS given in the configuration, or a JWKS URL fetched through
// a FetchFunc and cached.
//
// Only public asymmetric signing keys are kept: RSA of at least 2048 bits,
// EC on P-256, P-384 or P-521, and Ed25519. A JWKS holding a private or a
// symmetric (oct) key, a weak RSA key or a malformed key is refused as a
// whole (an inline one by NewInlineKeySet, a fetched one at every lookup
// until it is fixed); keys whose "use" is not "sig", whose "alg" is not a
// JWS signature algorithm, or whose type Registrar does not know are
// ignored (RFC 7517 §5: "SHOULD ignore").
//
// A KeySet is safe for concurrent use. Lookups of a cached set take no lock
// and do no I/O.
type KeySet struct {
	url        string
	fetch      FetchFunc
	ttl        time.Duration
	minRefresh time.Duration
	clock      func() time.Time // tests only; nil means time.Now

	state atomic.Pointer[keySetState]

	mu          sync.Mutex // serializes fetches
	lastRefresh time.Time  // guarded by mu
	parses      atomic.Int64
}

// keySetState is one fetched (or inline) JWKS: its bytes, and the keys
// parsed from them or the error that refused them.
type keySetState struct {
	body    []byte
	keys    []verificationKey
	err     error
	checked time.Time // when the FetchFunc last answered (or failed)
}

type verificationKey struct {
	kid string
	alg string // the JWK's "alg", or ""
	pub crypto.PublicKey
}

// NewInlineKeySet returns the KeySet of an inline JWKS (JSON). It fails,
// wrapping ErrInvalidKeySet, when the JWKS is not valid, holds a private,
// symmetric, weak or malformed key, or holds no usable signing key.
func NewInlineKeySet(jwks []byte) (*KeySet, error) {
	keys, err := parseJWKS(jwks)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: %s: no usable signing key (public RSA, EC or Ed25519 key with use \"sig\")", ErrInvalidKeySet, jwksDescPrefix)
	}
	s := &KeySet{}
	s.state.Store(&keySetState{body: bytes.Clone(jwks), keys: keys})
	return s, nil
}

// NewRemoteKeySet returns the KeySet of the JWKS at url, fetched through
// fetch. Nothing is fetched until the first lookup, so a server starts
// while the issuer is down.
func NewRemoteKeySet(url string, fetch FetchFunc, opts KeySetOptions) (*KeySet, error) {
	if url == "" {
		return nil, errors.New("auth: a JWKS URL is required")
	}
	if fetch == nil {
		return nil, errors.New("auth: a FetchFunc is required for a JWKS URL")
	}
	if opts.CacheTTL < 0 || opts.MinRefreshInterval < 0 {
		return nil, errors.New("auth: key set cache durations must not be negative")
	}
	s := &KeySet{url: url, fetch: fetch, ttl: opts.CacheTTL, minRefresh: opts.MinRefreshInterval}
	if s.ttl == 0 {
		s.ttl = DefaultKeyCacheTTL
	}
	if s.minRefresh == 0 {
		s.minRefresh = DefaultMinRefreshInterval
	}
	return s, nil
}

// URL is the JWKS URL of the set, or "" for an inline set.
func (s *KeySet) URL() string { return s.url }

// Keys returns the keys that may have signed a token whose header has kid
// (may be "") and alg: keys with that kid (any kid when kid is "") whose
// type and curve fit alg and whose own "alg", if any, equals alg. Without a
// kid exactly one key must fit.
//
// When no key fits, a set fetched from a URL is fetched once more with
// refresh=true (at most once per MinRefreshInterval, concurrent lookups
// sharing one fetch) and searched again.
//
// Errors: ErrKeyNotFound; ErrKeysUnavailable (wrapping the fetch error)
// when the set cannot be fetched and no cached set answers;
// ErrInvalidKeySet when the fetched JWKS is refused.
func (s *KeySet) Keys(ctx context.Context, kid, alg string) ([]crypto.PublicKey, error) {
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := st.match(kid, alg)
	if err == nil || s.fetch == nil || !errors.Is(err, errNoFit) {
		return keys, err
	}
	return s.refreshAndMatch(ctx, kid, alg)
}

var (
	errNoFit     = fmt.Errorf("%w: no key has the token's kid and fits its alg", ErrKeyNotFound)
	errAmbiguous = fmt.Errorf("%w: the token has no kid and several keys fit its alg", ErrKeyNotFound)
)

func (s *KeySet) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// fresh reports whether st may be used at now without asking the FetchFunc.
func (s *KeySet) fresh(st *keySetState, now time.Time) bool {
	if s.fetch == nil {
		return true
	}
	if st.err != nil {
		return now.Sub(st.checked) < s.minRefresh
	}
	return now.Sub(st.checked) < s.ttl
}

// current returns the cached state, fetching it (refresh=false) when there
// is none or its TTL has passed. A failed fetch leaves a previous good set
// in use: an issuer's outage does not stop verification with the keys it
// published last.
func (s *KeySet) current(ctx context.Context) (*keySetState, error) {
	now := s.now()
	if st := s.state.Load(); st != nil && s.fresh(st, now) {
		return st, st.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now = s.now()
	prev := s.state.Load()
	if prev != nil && s.fresh(prev, now) {
		return prev, prev.err
	}
	body, err := s.fetch(ctx, s.url, false)
	if err != nil {
		return s.fetchFailed(ctx, prev, now, err)
	}
	st := s.install(prev, body, now)
	return st, st.err
}

// refreshAndMatch fetches the set with refresh=true, unless another lookup
// did so within MinRefreshInterval, and searches it again.
func (s *KeySet) refreshAndMatch(ctx context.Context, kid, alg string) ([]crypto.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.state.Load()
	if prev != nil && prev.err == nil {
		// Another lookup may have refreshed while this one waited.
		if keys, err := prev.match(kid, alg); err == nil || !errors.Is(err, errNoFit) {
			return keys, err
		}
	}
	now := s.now()
	if !s.lastRefresh.IsZero() && now.Sub(s.lastRefresh) < s.minRefresh {
		if prev != nil && prev.err != nil {
			return nil, prev.err
		}
		return nil, errNoFit
	}
	s.lastRefresh = now
	body, err := s.fetch(ctx, s.url, true)
	if err != nil {
		if _, ferr := s.fetchFailed(ctx, prev, now, err); ferr != nil {
			return nil, ferr
		}
		// A good set is cached but could not be refreshed: the kid may be
		// a new key, so the answer is "unavailable", not "unknown key".
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	st := s.install(prev, body, now)
	if st.err != nil {
		return nil, st.err
	}
	return st.match(kid, alg)
}

// fetchFailed records a failed fetch. With a previous good set, that set
// stays in use (checked again after its TTL) and is returned; otherwise
// the failure is remembered for MinRefreshInterval and returned. A
// failure caused by the caller's own context is not remembered.
func (s *KeySet) fetchFailed(ctx context.Context, prev *keySetState, now time.Time, err error) (*keySetState, error) {
	ferr := fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	if ctx.Err() != nil {
		return nil, ferr
	}
	if prev != nil && prev.err == nil {
		stale := *prev
		stale.checked = now
		s.state.Store(&stale)
		return &stale, nil
	}
	s.state.Store(&keySetState{err: ferr, checked: now})
	return nil, ferr
}

// install stores the state of a fetched body. The body is parsed only when
// its bytes differ from the previous one.
func (s *KeySet) install(prev *keySetState, body []byte, now time.Time) *keySetState {
	st := &keySetState{body: body, checked: now}
	if prev != nil && prev.body != nil && bytes.Equal(prev.body, body) {
		st.keys, st.err = prev.keys, prev.err
	} else {
		s.parses.Add(1)
		st.keys, st.err = parseJWKS(body)
	}
	s.state.Store(st)
	return st
}

// match returns the keys of st that fit kid and alg.
func (st *keySetState) match(kid, alg string) ([]crypto.PublicKey, error) {
	var out []crypto.PublicKey
	for i := range st.keys {
		k := &st.keys[i]
		if kid != "" && k.kid != kid {
			continue
		}
		if !keyFitsAlg(k.pub, alg) || (k.alg != "" && k.alg != alg) {
			continue
		}
		out = append(out, k.pub)
	}
	switch {
	case len(out) == 0:
		return nil, errNoFit
	case kid == "" && len(out) > 1:
		return nil, errAmbiguous
	}
	return out, nil
}

// keyFitsAlg reports whether pub can verify a JWS signed with alg
// (RFC 7518 §3.1, RFC 8037 §3.1).
func keyFitsAlg(pub crypto.PublicKey, alg string) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return k.Curve == elliptic.P256()
		case "ES384":
			return k.Curve == elliptic.P384()
		case "ES512":
			return k.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// jwsAsymmetricAlgs are the JWS algorithms Registrar verifies: RSA PKCS#1
// v1.5, RSA-PSS, ECDSA (RFC 7518 §3.1) and EdDSA with Ed25519 (RFC 8037).
// "none" and the HMAC algorithms are never accepted.
var jwsAsymmetricAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"EdDSA": true,
}

// jwkProbe reads the members that decide whether a JWK is refused before
// go-jose parses it: go-jose would parse private key material (which is
// costly and must never be accepted), so it is looked for first. Field
// matching is case-insensitive, which only makes the probe stricter.
type jwkProbe struct {
	Kty  string          `json:"kty"`
	Use  string          `json:"use"`
	Alg  string          `json:"alg"`
	K    json.RawMessage `json:"k"`
	D    json.RawMessage `json:"d"`
	P    json.RawMessage `json:"p"`
	Q    json.RawMessage `json:"q"`
	Dp   json.RawMessage `json:"dp"`
	Dq   json.RawMessage `json:"dq"`
	Qi   json.RawMessage `json:"qi"`
	Oth  json.RawMessage `json:"oth"`
	Priv json.RawMessage `json:"priv"`
}

func (p *jwkProbe) private() bool {
	return p.D != nil || p.P != nil || p.Q != nil || p.Dp != nil || p.Dq != nil ||
		p.Qi != nil || p.Oth != nil || p.Priv != nil
}

// parseJWKS parses a JWKS with go-jose and returns its usable signing
// keys. Errors wrap ErrInvalidKeySet and name the key ("jwks: keys[1]:
// private key material is not accepted").
func parseJWKS(body []byte) ([]verificationKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("%w: %s: not a JSON Web Key Set: %w", ErrInvalidKeySet, jwksDescPrefix, err)
	}
	if set.Keys == nil {
		return nil, fmt.Errorf("%w: %s: the keys member is missing", ErrInvalidKeySet, jwksDescPrefix)
	}
	if len(set.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("%w: %s: more than %d keys", ErrInvalidKeySet, jwksDescPrefix, maxJWKSKeys)
	}
	keys := make([]verificationKey, 0, len(set.Keys))
	for i, raw := range set.Keys {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: keys[%d]: %s", ErrInvalidKeySet, jwksDescPrefix, i, fmt.Sprintf(format, args...))
		}
		var probe jwkProbe
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, bad("not a JSON Web Key")
		}
		if strings.EqualFold(probe.Kty, "oct") || probe.K != nil {
			return nil, bad("symmetric (oct) keys are not accepted")
		}
		if probe.private() {
			return nil, bad("private key material is not accepted")
		}
		if probe.Use != "" && probe.Use != "sig" {
			continue // an encryption key (RFC 7517 §4.2)
		}
		if probe.Alg != "" && !jwsAsymmetricAlgs[probe.Alg] {
			continue // not a JWS signature algorithm Registrar verifies
		}
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			if errors.Is(err, jose.ErrUnsupportedKeyType) {
				continue // RFC 7517 §5: ignore key types not understood
			}
			return nil, bad("%v", err)
		}
		if !jwk.IsPublic() || !jwk.Valid() {
			return nil, bad("not a valid public key")
		}
		switch pub := jwk.Key.(type) {
		case *rsa.PublicKey:
			if n := pub.N.BitLen(); n < minRSAKeyBits {
				return nil, bad("RSA key of %d bits (at least %d required)", n, minRSAKeyBits)
			}
		case *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			continue // a key type golang-jwt cannot verify (e.g. ML-DSA)
		}
		if jwk.Algorithm != "" && !keyFitsAlg(jwk.Key, jwk.Algorithm) {
			return nil, bad("alg %q does not fit the key type", jwk.Algorithm)
		}
		keys = append(keys, verificationKey{kid: jwk.KeyID, alg: jwk.Algorithm, pub: jwk.Key})
	}
	return keys, nil
}

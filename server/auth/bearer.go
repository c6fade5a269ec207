package auth

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
)

// Defaults of BearerConfig and SoftwareStatementConfig.
const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = 60 * time.Second
	// DefaultMaxTokenBytes bounds a bearer JWT.
	DefaultMaxTokenBytes = 8 << 10
)

// defaultAlgorithms are the JWS algorithms accepted when none are
// configured: RS256, PS256, ES256 and EdDSA (the configuration's default).
var defaultAlgorithms = []string{"RS256", "PS256", "ES256", "EdDSA"}

// BearerConfig configures a BearerVerifier.
type BearerConfig struct {
	// Issuer is the exact "iss" the token must carry (required). Unless
	// JWKSURI or Keys is set, the JWKS is discovered from it: first
	// Issuer + "/.well-known/openid-configuration" (OpenID Connect
	// Discovery 1.0 §4), then the RFC 8414 §3.1 URL (the well-known suffix
	// inserted between host and path); the document's "issuer" must equal
	// Issuer (RFC 8414 §3.3) and its "jwks_uri" names the keys.
	Issuer string
	// JWKSURI is the authority's JWKS URL; "" to discover it.
	JWKSURI string
	// Keys is an inline key set (NewInlineKeySet), the alternative to a
	// JWKS URL; set at most one of JWKSURI and Keys.
	Keys *KeySet
	// Fetch fetches the discovery document and the JWKS; required unless
	// Keys is set.
	Fetch FetchFunc
	// KeySetOptions tune the cache of the fetched JWKS.
	KeySetOptions KeySetOptions
	// Audiences are the accepted "aud" values; the token's "aud" must hold
	// at least one (RFC 9068 §4). Required.
	Audiences []string
	// RequiredScope lists space-separated scopes that must all be in the
	// token's "scope" claim (a space-separated string, RFC 9068 §2.2.3) or
	// its "scp" claim (an array or a string); "" requires none.
	RequiredScope string
	// Algorithms is the allow-list of JWS algorithms; nil means RS256,
	// PS256, ES256 and EdDSA. Only RS*, PS*, ES* and EdDSA may be listed:
	// "none" and HS* are refused by NewBearerVerifier.
	Algorithms []string
	// Types are the accepted "typ" header values, compared
	// case-insensitively with or without the "application/" prefix
	// (RFC 7515 §4.1.9): "at+jwt" (RFC 9068 §4) also accepts
	// "application/at+jwt" and "AT+JWT". When set, a token without "typ"
	// is refused. Empty accepts any typ, or none.
	Types []string
	// Leeway is the clock skew allowed on exp, nbf and iat: 0 means
	// DefaultLeeway, a negative value means none.
	Leeway time.Duration
	// MaxTokenBytes bounds the token's length: 0 means
	// DefaultMaxTokenBytes.
	MaxTokenBytes int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Result is a verified bearer JWT.
type Result struct {
	// Subject is the "sub" claim ("" when absent).
	Subject string
	// ID is the "jti" claim ("" when absent).
	ID string
	// Scopes are the token's scopes, from "scope" and "scp".
	Scopes []string
	// ExpiresAt is the "exp" claim.
	ExpiresAt time.Time
	// Claims are all the token's claims, as decoded by encoding/json.
	Claims map[string]any
}

// BearerVerifier verifies JWT access tokens presented as bearer tokens
// (RFC 6750 §2.1) on the registration endpoint — for instance the token a
// CI pipeline gets from its authority — following RFC 9068 §4: signature
// by a key of the issuer's JWKS with an allowed asymmetric alg, typ,
// exact iss, aud, exp (required), nbf and iat with leeway, then scope.
// Header parameters that point at keys (jku, jwk, x5u, x5c) are ignored:
// keys come from the configuration only. A token with a "crit" header is
// refused (RFC 7515 §4.1.11: no extension is understood).
//
// A BearerVerifier is safe for concurrent use.
type BearerVerifier struct {
	issuer     string
	jwksURI    string
	fetch      FetchFunc
	ksOpts     KeySetOptions
	audiences  []string
	scopes     []string
	algs       map[string]bool
	types      map[string]bool
	leeway     time.Duration
	maxBytes   int
	now        func() time.Time
	parser     *jwt.Parser
	keys       atomic.Pointer[KeySet]
	discMu     sync.Mutex
	discErr    error     // guarded by discMu
	discFailed time.Time // guarded by discMu
}

// NewBearerVerifier checks cfg and returns a verifier. Nothing is fetched
// yet: discovery and the JWKS are fetched at the first Verify.
func NewBearerVerifier(cfg BearerConfig) (*BearerVerifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("bearer_jwt: issuer is required")
	}
	if u, err := url.Parse(cfg.Issuer); err != nil || !u.IsAbs() || u.Host == "" {
		return nil, errors.New("bearer_jwt: issuer must be an absolute URL")
	}
	if cfg.JWKSURI != "" && cfg.Keys != nil {
		return nil, errors.New("bearer_jwt: set jwks_uri or inline keys, not both")
	}
	if cfg.Keys == nil && cfg.Fetch == nil {
		return nil, errors.New("bearer_jwt: a fetcher is required to fetch the authority's keys")
	}
	if cfg.KeySetOptions.CacheTTL < 0 || cfg.KeySetOptions.MinRefreshInterval < 0 {
		return nil, errors.New("bearer_jwt: key set cache durations must not be negative")
	}
	if len(cfg.Audiences) == 0 {
		return nil, errors.New("bearer_jwt: at least one audience is required")
	}
	for _, a := range cfg.Audiences {
		if a == "" {
			return nil, errors.New("bearer_jwt: an audience must not be empty")
		}
	}
	algs, list, err := checkAlgorithms("bearer_jwt", cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	types := map[string]bool{}
	for _, t := range cfg.Types {
		n := normalizeTyp(t)
		if n == "" {
			return nil, errors.New("bearer_jwt: a token type must not be empty")
		}
		types[n] = true
	}
	if cfg.MaxTokenBytes < 0 {
		return nil, errors.New("bearer_jwt: the maximum token size must not be negative")
	}
	v := &BearerVerifier{
		issuer:    cfg.Issuer,
		jwksURI:   cfg.JWKSURI,
		fetch:     cfg.Fetch,
		ksOpts:    cfg.KeySetOptions,
		audiences: append([]string(nil), cfg.Audiences...),
		scopes:    strings.Fields(cfg.RequiredScope),
		algs:      algs,
		types:     types,
		leeway:    effectiveLeeway(cfg.Leeway),
		maxBytes:  cfg.MaxTokenBytes,
		now:       cfg.Now,
		parser:    newJWTParser(list),
	}
	if v.maxBytes == 0 {
		v.maxBytes = DefaultMaxTokenBytes
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case cfg.Keys != nil:
		v.keys.Store(cfg.Keys)
	case cfg.JWKSURI != "":
		ks, err := NewRemoteKeySet(cfg.JWKSURI, cfg.Fetch, cfg.KeySetOptions)
		if err != nil {
			return nil, fmt.Errorf("bearer_jwt: %w", err)
		}
		ks.clock = cfg.Now
		v.keys.Store(ks)
	}
	return v, nil
}

// Issuer is the "iss" the verifier accepts.
func (v *BearerVerifier) Issuer() string { return v.issuer }

// Descriptions of the 401 answers. They name claims, never their values.
var (
	errBearerMissing     = sdk.ErrInvalidToken().WithDescription("the access token is missing")
	errBearerTooLarge    = sdk.ErrInvalidToken().WithDescription("the access token is too large")
	errBearerMalformed   = sdk.ErrInvalidToken().WithDescription("the access token is not a well-formed JWT")
	errBearerAlg         = sdk.ErrInvalidToken().WithDescription("the access token's alg is not accepted")
	errBearerTyp         = sdk.ErrInvalidToken().WithDescription("the access token's typ is not accepted")
	errBearerNoTyp       = sdk.ErrInvalidToken().WithDescription("the access token has no typ header")
	errBearerCrit        = sdk.ErrInvalidToken().WithDescription("the access token's crit header is not supported")
	errBearerKid         = sdk.ErrInvalidToken().WithDescription("the access token's signing key is not known")
	errBearerSignature   = sdk.ErrInvalidToken().WithDescription("the access token's signature is not valid")
	errBearerNoExp       = sdk.ErrInvalidToken().WithDescription("the access token has no exp")
	errBearerExpired     = sdk.ErrInvalidToken().WithDescription("the access token has expired")
	errBearerNotYet      = sdk.ErrInvalidToken().WithDescription("the access token is not valid yet (nbf)")
	errBearerIatFuture   = sdk.ErrInvalidToken().WithDescription("the access token's iat is in the future")
	errBearerIssuer      = sdk.ErrInvalidToken().WithDescription("the access token's iss is not accepted")
	errBearerAudience    = sdk.ErrInvalidToken().WithDescription("the access token's aud is not accepted")
	errBearerScopeClaim  = sdk.ErrInvalidToken().WithDescription("the access token's scope claim is not valid")
	errBearerScopeAbsent = sdk.ErrInsufficientScope().WithDescription("the access token lacks the scope required to register")
)

// Verify verifies a bearer JWT access token.
//
// Errors are *sdk.Error:
//   - 401 invalid_token (RFC 6750 §3.1) for a token that is too large or
//     malformed, has an alg outside the allow-list, a refused typ, a crit
//     header, an unknown kid (after one refresh of the JWKS), a bad
//     signature, a wrong iss or aud, no exp, or is expired, not yet valid
//     or issued in the future;
//   - 403 insufficient_scope (RFC 6750 §3.1) for a valid token without
//     every RequiredScope;
//   - 503 temporarily_unavailable, with the cause for the log, when the
//     discovery document or the JWKS cannot be fetched, or is refused
//     (issuer mismatch, private or symmetric keys): the authority's
//     problem, not the caller's.
func (v *BearerVerifier) Verify(ctx context.Context, token string) (Result, error) {
	if token == "" {
		return Result{}, errBearerMissing
	}
	if len(token) > v.maxBytes {
		return Result{}, errBearerTooLarge
	}
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if err := checkHeader(t, v.algs, v.types); err != nil {
			return nil, err
		}
		ks, err := v.keySet(ctx)
		if err != nil {
			return nil, err
		}
		return keysFor(ctx, ks, t)
	})
	if err != nil {
		return Result{}, v.parseError(tok, err)
	}
	return v.checkClaims(claims)
}

// parseError maps an error of jwt.Parser.ParseWithClaims.
func (v *BearerVerifier) parseError(tok *jwt.Token, err error) error {
	var se *sdk.Error
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, ErrKeysUnavailable), errors.Is(err, ErrInvalidKeySet):
		return sdk.ErrTemporarilyUnavailable().WithCause(err)
	case errors.Is(err, ErrKeyNotFound):
		return errBearerKid
	case errors.Is(err, errHeaderCrit):
		return errBearerCrit
	case errors.Is(err, errHeaderNoTyp):
		return errBearerNoTyp
	case errors.Is(err, errHeaderTyp):
		return errBearerTyp
	case errors.Is(err, errHeaderKid), errors.Is(err, jwt.ErrTokenMalformed):
		return errBearerMalformed
	case errors.Is(err, errHeaderAlg), algRefused(tok, v.algs):
		return errBearerAlg
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return errBearerSignature
	}
	return errBearerMalformed
}

// checkClaims applies the claim rules of RFC 9068 §4 to a token whose
// signature is valid.
func (v *BearerVerifier) checkClaims(claims jwt.MapClaims) (Result, error) {
	now := v.now()
	exp, err := claims.GetExpirationTime()
	switch {
	case err != nil:
		return Result{}, errBearerMalformed
	case exp == nil:
		return Result{}, errBearerNoExp
	case now.After(exp.Add(v.leeway)):
		return Result{}, errBearerExpired
	}
	if problem := checkNbfIat(claims, now, v.leeway); problem != "" {
		switch problem {
		case "nbf":
			return Result{}, errBearerNotYet
		case "iat":
			return Result{}, errBearerIatFuture
		}
		return Result{}, errBearerMalformed
	}
	if iss, err := claims.GetIssuer(); err != nil || iss != v.issuer {
		return Result{}, errBearerIssuer
	}
	aud, err := claims.GetAudience()
	if err != nil || !anyIn(aud, v.audiences) {
		return Result{}, errBearerAudience
	}
	sub, err := claims.GetSubject()
	if err != nil {
		return Result{}, errBearerMalformed
	}
	jti, ok := claims["jti"].(string)
	if _, present := claims["jti"]; present && !ok {
		return Result{}, errBearerMalformed
	}
	scopes, ok := tokenScopes(claims)
	if !ok {
		return Result{}, errBearerScopeClaim
	}
	for _, want := range v.scopes {
		if !slices.Contains(scopes, want) {
			return Result{}, errBearerScopeAbsent
		}
	}
	return Result{Subject: sub, ID: jti, Scopes: scopes, ExpiresAt: exp.Time, Claims: claims}, nil
}

// tokenScopes returns the scopes of the "scope" claim (a space-separated
// string, RFC 8693 §4.2, RFC 9068 §2.2.3) and of the "scp" claim (an array
// of strings, or a string). ok is false when either has another type.
func tokenScopes(claims jwt.MapClaims) (scopes []string, ok bool) {
	if raw, present := claims["scope"]; present {
		s, isString := raw.(string)
		if !isString {
			return nil, false
		}
		scopes = append(scopes, strings.Fields(s)...)
	}
	switch scp := claims["scp"].(type) {
	case nil:
		if _, present := claims["scp"]; present {
			return nil, false
		}
	case string:
		scopes = append(scopes, strings.Fields(scp)...)
	case []any:
		for _, e := range scp {
			s, isString := e.(string)
			if !isString {
				return nil, false
			}
			scopes = append(scopes, s)
		}
	default:
		return nil, false
	}
	return scopes, true
}

// keySet returns the verifier's key set, discovering the JWKS URL on first
// use. A failed discovery is remembered for MinRefreshInterval, so an
// unreachable authority is not asked again on every request.
func (v *BearerVerifier) keySet(ctx context.Context) (*KeySet, error) {
	if ks := v.keys.Load(); ks != nil {
		return ks, nil
	}
	v.discMu.Lock()
	defer v.discMu.Unlock()
	if ks := v.keys.Load(); ks != nil {
		return ks, nil
	}
	retry := v.ksOpts.MinRefreshInterval
	if retry == 0 {
		retry = DefaultMinRefreshInterval
	}
	if v.discErr != nil && v.now().Sub(v.discFailed) < retry {
		return nil, v.discErr
	}
	uri, err := v.discover(ctx)
	if err == nil {
		var ks *KeySet
		if ks, err = NewRemoteKeySet(uri, v.fetch, v.ksOpts); err == nil {
			ks.clock = v.now
			v.keys.Store(ks)
			v.discErr = nil
			return ks, nil
		}
		err = fmt.Errorf("%w: %w", ErrInvalidKeySet, err)
	}
	if ctx.Err() == nil {
		v.discErr, v.discFailed = err, v.now()
	}
	return nil, err
}

// discover reads the authority's metadata: the OpenID Connect Discovery
// document, or when it cannot be fetched the RFC 8414 one. A document
// that is fetched but wrong (not JSON, another issuer, no jwks_uri) is
// an error, not a reason to try the other.
func (v *BearerVerifier) discover(ctx context.Context) (string, error) {
	var errs []error
	for _, u := range discoveryURLs(v.issuer) {
		body, err := v.fetch(ctx, u, false)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			continue
		}
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			return "", fmt.Errorf("%w: %s: not a JSON metadata document: %w", ErrInvalidKeySet, u, err)
		}
		if doc.Issuer != v.issuer {
			return "", fmt.Errorf("%w: %s: the issuer %q differs from the configured %q (RFC 8414 §3.3)", ErrInvalidKeySet, u, doc.Issuer, v.issuer)
		}
		if j, err := url.Parse(doc.JWKSURI); err != nil || doc.JWKSURI == "" || !j.IsAbs() || j.Host == "" {
			return "", fmt.Errorf("%w: %s: no absolute jwks_uri", ErrInvalidKeySet, u)
		}
		return doc.JWKSURI, nil
	}
	return "", fmt.Errorf("%w: discovery: %w", ErrKeysUnavailable, errors.Join(errs...))
}

// discoveryURLs returns the metadata URLs of issuer: OpenID Connect
// Discovery 1.0 §4.1 appends the well-known path (after removing a
// trailing "/"); RFC 8414 §3.1 inserts it between the host and the path.
func discoveryURLs(issuer string) []string {
	oidc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	u, err := url.Parse(issuer)
	if err != nil {
		return []string{oidc}
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	u.Path, u.RawPath = "", ""
	u.RawQuery, u.Fragment = "", ""
	as := u.String() + "/.well-known/oauth-authorization-server" + path
	if as == oidc {
		return []string{oidc}
	}
	return []string{oidc, as}
}

// LooksLikeJWT reports, cheaply and without verifying anything, whether a
// bearer token has the JWS compact serialization of a JWT (RFC 7515 §7.1):
// three base64url segments (the last may be empty) whose first decodes to a
// JSON object with a string "alg". The caller uses it to route a bearer
// credential to JWT verification instead of an opaque initial access token
// lookup; an alg "none" token is routed to verification, which refuses it.
func LooksLikeJWT(token string) bool {
	h, rest, ok := strings.Cut(token, ".")
	if !ok || h == "" || len(h) > 4096 {
		return false
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok || p == "" || !isBase64URL(h) || !isBase64URL(p) || !isBase64URL(sig) {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return false
	}
	var hdr map[string]any
	if json.Unmarshal(raw, &hdr) != nil {
		return false
	}
	alg, ok := hdr["alg"].(string)
	return ok && alg != ""
}

// isBase64URL reports whether s uses only the unpadded base64url alphabet
// (RFC 4648 §5). It also refuses a ".".
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// Shared by BearerVerifier and SoftwareStatementVerifier.

var (
	errHeaderCrit  = errors.New("crit header")
	errHeaderAlg   = errors.New("alg not accepted")
	errHeaderTyp   = errors.New("typ not accepted")
	errHeaderNoTyp = errors.New("typ missing")
	errHeaderKid   = errors.New("kid is not a string")
)

// checkAlgorithms validates an algorithm allow-list (nil means
// defaultAlgorithms): asymmetric JWS algorithms only, never "none" or HS*.
func checkAlgorithms(where string, algs []string) (map[string]bool, []string, error) {
	if algs == nil {
		algs = defaultAlgorithms
	}
	if len(algs) == 0 {
		return nil, nil, fmt.Errorf("%s: at least one algorithm is required", where)
	}
	set := map[string]bool{}
	for _, a := range algs {
		if !jwsAsymmetricAlgs[a] {
			return nil, nil, fmt.Errorf("%s: algorithm %q is not accepted: only RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 and EdDSA (never none or HS*)", where, a)
		}
		set[a] = true
	}
	return set, append([]string(nil), algs...), nil
}

// newJWTParser returns a golang-jwt parser that checks the alg allow-list
// and verifies the signature; the claims are checked by the caller.
func newJWTParser(algs []string) *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods(algs), jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
}

// checkHeader refuses a header with a crit parameter, an alg outside algs
// (the parser checked already; this keeps the rule next to the key
// lookup), or a typ outside types (when types is not empty).
func checkHeader(t *jwt.Token, algs, types map[string]bool) error {
	if _, ok := t.Header["crit"]; ok {
		return errHeaderCrit
	}
	if !algs[t.Method.Alg()] {
		return errHeaderAlg
	}
	if len(types) == 0 {
		return nil
	}
	raw, ok := t.Header["typ"]
	if !ok {
		return errHeaderNoTyp
	}
	typ, ok := raw.(string)
	if !ok || !types[normalizeTyp(typ)] {
		return errHeaderTyp
	}
	return nil
}

// keysFor returns the key(s) of ks that may verify t, in the form the
// golang-jwt parser takes.
func keysFor(ctx context.Context, ks *KeySet, t *jwt.Token) (any, error) {
	kid := ""
	if raw, ok := t.Header["kid"]; ok {
		s, isString := raw.(string)
		if !isString {
			return nil, errHeaderKid
		}
		kid = s
	}
	keys, err := ks.Keys(ctx, kid, t.Method.Alg())
	if err != nil {
		return nil, err
	}
	if len(keys) == 1 {
		return keys[0], nil
	}
	set := jwt.VerificationKeySet{Keys: make([]jwt.VerificationKey, len(keys))}
	for i, k := range keys {
		set.Keys[i] = crypto.PublicKey(k)
	}
	return set, nil
}

// algRefused reports whether the parsed token's alg is missing, unknown or
// outside algs.
func algRefused(tok *jwt.Token, algs map[string]bool) bool {
	if tok == nil {
		return false
	}
	if tok.Method == nil {
		_, hasAlg := tok.Header["alg"]
		return hasAlg
	}
	return !algs[tok.Method.Alg()]
}

// normalizeTyp lower-cases a typ and removes an "application/" prefix
// (RFC 7515 §4.1.9).
func normalizeTyp(typ string) string {
	typ = strings.ToLower(strings.TrimSpace(typ))
	return strings.TrimPrefix(typ, "application/")
}

// effectiveLeeway applies the Leeway convention: 0 is DefaultLeeway,
// negative is none.
func effectiveLeeway(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultLeeway
	case d < 0:
		return 0
	}
	return d
}

// checkNbfIat checks that nbf and iat, when present, are not after now
// plus leeway. It returns "" when they pass, "nbf" or "iat" for the claim
// in the future, or "type" when one is not a number.
func checkNbfIat(claims jwt.MapClaims, now time.Time, leeway time.Duration) string {
	nbf, err := claims.GetNotBefore()
	if err != nil {
		return "type"
	}
	if nbf != nil && nbf.After(now.Add(leeway)) {
		return "nbf"
	}
	iat, err := claims.GetIssuedAt()
	if err != nil {
		return "type"
	}
	if iat != nil && iat.After(now.Add(leeway)) {
		return "iat"
	}
	return ""
}

// anyIn reports whether some element of have is in want.
func anyIn(have, want []string) bool {
	return slices.ContainsFunc(have, func(h string) bool { return slices.Contains(want, h) })
}

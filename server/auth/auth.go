package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// StaticToken is an initial access token given in the configuration.
type StaticToken struct {
	// Name identifies the token in logs; it is not secret.
	Name string
	// Profile is the profile a caller presenting the token registers under.
	Profile string
	// Token is the secret value.
	Token string
}

// String never shows the token.
func (t StaticToken) String() string { return "StaticToken{" + t.Name + "}" }

// TokenStore is the part of sdk.Store that holds issued initial access
// tokens.
type TokenStore interface {
	GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error)
	UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error)
}

// JWTProfile is a profile that admits bearer JWT access tokens of one
// authority.
type JWTProfile struct {
	// Profile is the profile's name.
	Profile string
	// Verifier checks the token; its Issuer selects the profile.
	Verifier *BearerVerifier
}

// Options configure an Authenticator.
type Options struct {
	// Anonymous is the profile of callers without a credential, or ""
	// when registration is never open.
	Anonymous string
	// Static are the initial access tokens of the configuration.
	Static []StaticToken
	// Store holds the tokens issued with "registrar token create"; nil
	// when no profile accepts them.
	Store TokenStore
	// IssuedTokenProfiles are the profiles that accept issued tokens.
	IssuedTokenProfiles []string
	// JWT are the profiles that accept bearer JWTs, in file order.
	JWT []JWTProfile
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Authenticator authenticates callers of the registration endpoint
// (RFC 7591 §3): anonymous, initial access token (static or issued), or
// bearer JWT. The credential selects the registration profile.
type Authenticator struct {
	opts   Options
	tokens []staticHash
	issued map[string]bool
	locks  *tokenLocks // serialise the use counts of issued tokens
}

type staticHash struct {
	name, profile string
	sum           [sha256.Size]byte
}

// New returns an Authenticator.
func New(opts Options) *Authenticator {
	a := &Authenticator{opts: opts, issued: map[string]bool{}, locks: newTokenLocks()}
	if a.opts.Now == nil {
		a.opts.Now = time.Now
	}
	for _, t := range opts.Static {
		a.tokens = append(a.tokens, staticHash{name: t.Name, profile: t.Profile, sum: sha256.Sum256([]byte(t.Token))})
	}
	for _, p := range opts.IssuedTokenProfiles {
		a.issued[p] = true
	}
	return a
}

// Principal is an authenticated caller of the registration endpoint.
type Principal struct {
	// Caller is who the caller is and which profile applies.
	Caller sdk.Caller

	store TokenStore
	token *sdk.InitialAccessToken // an issued token, whose uses count
	locks *tokenLocks
	now   func() time.Time
}

// Errors of Authenticate and Consume. All are 401 invalid_token
// (RFC 6750 §3.1), so a caller learns nothing about which tokens exist.
var (
	errTokenRequired = sdk.ErrInvalidToken().WithDescription("an initial access token is required")
	errBadScheme     = sdk.ErrInvalidToken().WithDescription("the Authorization header must use the Bearer scheme")
	errBadToken      = sdk.ErrInvalidToken().WithDescription("the initial access token is not valid")
	errTokenSpent    = sdk.ErrInvalidToken().WithDescription("the initial access token is expired, revoked or used up")
)

// Authenticate returns the principal of a registration request from the
// value of its Authorization header ("" when absent).
//
// Errors are *sdk.Error: ErrInvalidToken (401) when the credential is
// missing and registration is not open, malformed, unknown, expired,
// revoked or used up; ErrInsufficientScope (403) for a valid JWT without
// the required scope; ErrTemporarilyUnavailable (503) when the token
// store or an authority's keys cannot be reached. A bad credential is
// refused even when an anonymous profile exists.
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) (Principal, error) {
	if authorization == "" {
		if a.opts.Anonymous == "" {
			return Principal{}, errTokenRequired
		}
		return Principal{Caller: sdk.Caller{Method: sdk.AuthAnonymous, Profile: a.opts.Anonymous}}, nil
	}
	token, ok := BearerToken(authorization)
	if !ok {
		return Principal{}, errBadScheme
	}
	if len(a.opts.JWT) > 0 && LooksLikeJWT(token) {
		return a.jwt(ctx, token)
	}
	if p, ok := a.static(token); ok {
		return p, nil
	}
	return a.issuedToken(ctx, token)
}

// static compares token with every static token, without stopping early,
// so the time taken does not depend on which token matched.
func (a *Authenticator) static(token string) (Principal, bool) {
	sum := sha256.Sum256([]byte(token))
	match := -1
	for i := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], a.tokens[i].sum[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return Principal{}, false
	}
	t := a.tokens[match]
	return Principal{Caller: sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: t.profile, TokenID: t.name}}, true
}

// issuedToken looks token up among the issued tokens. The store finds it
// by its SHA-256 hash; equality of two hashes of 256-bit random values
// leaks nothing worth a constant-time compare, but TokenMatches is used
// anyway.
func (a *Authenticator) issuedToken(ctx context.Context, token string) (Principal, error) {
	if a.opts.Store == nil || len(a.issued) == 0 {
		return Principal{}, errBadToken
	}
	t, err := a.opts.Store.GetToken(ctx, sdk.HashToken(token))
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return Principal{}, errBadToken
	case err != nil:
		return Principal{}, unavailable(err)
	case !sdk.TokenMatches(token, t.Hash) || !a.issued[t.Profile]:
		return Principal{}, errBadToken
	case !t.Usable(a.opts.Now().Unix()):
		return Principal{}, errTokenSpent
	}
	return Principal{
		Caller: sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: t.Profile, TokenID: t.ID},
		store:  a.opts.Store,
		token:  &t,
		locks:  a.locks,
		now:    a.opts.Now,
	}, nil
}

// jwt verifies a bearer JWT against the profiles whose authority issued
// it, in file order; the first that accepts it wins. When the token is
// valid for some of them but lacks their scope, the answer is 403
// insufficient_scope.
func (a *Authenticator) jwt(ctx context.Context, token string) (Principal, error) {
	iss := unverifiedIssuer(token)
	var first error
	for _, jp := range a.opts.JWT {
		if jp.Verifier.Issuer() != iss {
			continue
		}
		res, err := jp.Verifier.Verify(ctx, token)
		if err == nil {
			return Principal{Caller: sdk.Caller{
				Method:  sdk.AuthBearerJWT,
				Profile: jp.Profile,
				TokenID: res.ID,
				Subject: res.Subject,
				Claims:  res.Claims,
			}}, nil
		}
		if first == nil || (errors.Is(err, sdk.ErrInsufficientScope()) && !errors.Is(first, sdk.ErrInsufficientScope())) {
			first = err
		}
	}
	if first == nil {
		return Principal{}, errBearerIssuer
	}
	return Principal{}, first
}

// unverifiedIssuer reads the "iss" claim of a JWT without verifying it;
// it only chooses which verifier to try.
func unverifiedIssuer(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	return c.Iss
}

// releaseTimeout bounds Consume's release, which its callers run
// detached from the request.
const releaseTimeout = 5 * time.Second

// errTokenBusy answers a Consume whose request ended while it waited for
// its turn on a token that many registrations use at once.
var errTokenBusy = sdk.ErrTemporarilyUnavailable().WithDescription("the initial access token is in use by too many requests; try again")

// Consume counts one use of the principal's issued initial access token,
// exactly: of two concurrent registrations with a one-use token, one gets
// nil and the other 401 (RFC 6750 §3.1, invalid_token), and N concurrent
// registrations with a token of N or more uses all succeed. It is a no-op
// for other credentials. The returned release gives the use back, for a
// registration that failed after Consume; it is safe to call once, and
// never nil.
//
// The count is a compare-and-swap on the token's revision
// (sdk.Store.UpdateToken). Within the process the uses of one token take
// turns (a per-token lock), so they never conflict with each other; a
// conflict with another replica's write re-reads the token and retries
// after a jittered backoff, for as long as ctx lasts. Errors: 401 when the
// token is used up, expired, revoked or gone; 503 when the store fails or
// ctx ends first.
func (p Principal) Consume(ctx context.Context) (release func(context.Context), err error) {
	if p.token == nil {
		return func(context.Context) {}, nil
	}
	updated, err := p.add(ctx, *p.token, 1)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) { p.release(ctx, updated) }, nil
}

// release undoes one use, best effort: a failure leaves the use counted.
// consumed is the record as Consume wrote it.
func (p Principal) release(ctx context.Context, consumed sdk.InitialAccessToken) {
	ctx, cancel := context.WithTimeout(ctx, releaseTimeout)
	defer cancel()
	_, _ = p.add(ctx, consumed, -1)
}

// add changes the token's use count by delta (+1 or -1) under the token's
// lock, starting from the record t (or the fresher one this process last
// wrote) and retrying conflicts with other replicas until ctx ends.
func (p Principal) add(ctx context.Context, t sdk.InitialAccessToken, delta int64) (sdk.InitialAccessToken, error) {
	id := p.token.ID
	l, err := p.locks.lock(ctx, id)
	if err != nil {
		return sdk.InitialAccessToken{}, errTokenBusy.WithCause(err)
	}
	defer p.locks.unlock(id, l)
	t = l.newer(t)
	for conflicts := 0; ; {
		if delta > 0 && !t.Usable(p.now().Unix()) {
			return sdk.InitialAccessToken{}, errTokenSpent
		}
		if delta < 0 && t.Uses == 0 {
			return t, nil
		}
		t.Uses += delta
		updated, err := p.store.UpdateToken(ctx, t)
		switch {
		case err == nil:
			l.latest = &updated
			return updated, nil
		case errors.Is(err, sdk.ErrNotFound):
			return sdk.InitialAccessToken{}, errBadToken
		case !errors.Is(err, sdk.ErrConflict):
			return sdk.InitialAccessToken{}, unavailable(err)
		}
		// Another replica wrote the token since it was read. The first
		// conflict may only mean an old snapshot; later ones back off.
		if conflicts++; conflicts > 1 && !conflictBackoff(ctx, conflicts-1) {
			return sdk.InitialAccessToken{}, errTokenBusy.WithCause(ctx.Err())
		}
		if t, err = p.store.GetToken(ctx, p.token.Hash); err != nil {
			if errors.Is(err, sdk.ErrNotFound) {
				return sdk.InitialAccessToken{}, errBadToken
			}
			return sdk.InitialAccessToken{}, unavailable(err)
		}
	}
}

// unavailable maps a store or fetch failure to 503, keeping the cause for
// the log.
func unavailable(err error) error {
	if _, ok := sdk.AsError(err); ok {
		return err
	}
	return sdk.ErrTemporarilyUnavailable().WithCause(err)
}

// BearerToken extracts the token of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1; the scheme is case-insensitive). ok is false for
// another scheme, an empty token, or a token with characters outside the
// b64token syntax.
func BearerToken(authorization string) (token string, ok bool) {
	scheme, rest, found := strings.Cut(authorization, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(rest, " ")
	if token == "" || len(token) > DefaultMaxTokenBytes {
		return "", false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		isAlnum := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !isAlnum && !strings.ContainsRune("-._~+/=", rune(c)) {
			return "", false
		}
	}
	return token, true
}

package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"

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

// Authenticator authenticates callers of the registration endpoint.
type Authenticator struct {
	anonymous string
	tokens    []staticHash
}

type staticHash struct {
	name, profile string
	sum           [sha256.Size]byte
}

// New returns an Authenticator. anonymousProfile is the profile of callers
// without a credential, or "" when registration is never open.
func New(anonymousProfile string, tokens []StaticToken) *Authenticator {
	a := &Authenticator{anonymous: anonymousProfile}
	for _, t := range tokens {
		a.tokens = append(a.tokens, staticHash{name: t.Name, profile: t.Profile, sum: sha256.Sum256([]byte(t.Token))})
	}
	return a
}

// Authenticate returns the caller of a registration request from the value
// of its Authorization header ("" when absent).
//
// Errors are *sdk.Error: ErrInvalidToken (401) when the credential is
// missing and registration is not open, malformed, or unknown.
func (a *Authenticator) Authenticate(_ context.Context, authorization string) (sdk.Caller, error) {
	if authorization == "" {
		if a.anonymous == "" {
			return sdk.Caller{}, sdk.ErrInvalidToken.WithDescription("an initial access token is required")
		}
		return sdk.Caller{Method: sdk.AuthAnonymous, Profile: a.anonymous}, nil
	}
	token, ok := BearerToken(authorization)
	if !ok {
		return sdk.Caller{}, sdk.ErrInvalidToken.WithDescription("the Authorization header must use the Bearer scheme")
	}
	sum := sha256.Sum256([]byte(token))
	match := -1
	// Compare with every token, without stopping early, so the time taken
	// does not depend on which token matched.
	for i := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], a.tokens[i].sum[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return sdk.Caller{}, sdk.ErrInvalidToken.WithDescription("the initial access token is not valid")
	}
	t := a.tokens[match]
	return sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: t.profile, TokenID: t.name}, nil
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
	if token == "" || len(token) > 4096 {
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

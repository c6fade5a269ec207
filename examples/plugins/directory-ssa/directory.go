package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
)

// clockSkew is the leeway on exp, nbf and iat: clocks of the directory and
// of the server may differ by this much.
const clockSkew = 60 * time.Second

// maxStatementBytes bounds the statement before any parsing; the server's
// body and string limits apply first.
const maxStatementBytes = 16 << 10

// directory is the validator: the built-in steps with three redefined.
// Its configuration is set by configure, which plugin.Serve runs before any
// step and never during one (plugin.WithConfig), so the steps read it
// without a lock or a not-configured check.
type directory struct {
	sdk.DefaultSteps
	cfg config
}

var _ sdk.Steps = (*directory)(nil)

// statement is a verified software statement.
type statement struct {
	claims       map[string]any
	softwareID   string
	redirectURIs []string // software_redirect_uris
	roles        []string // software_roles
}

// SoftwareStatement verifies the request's statement, hands its claims to
// the built-in step, which applies them to the request, and so to every
// later step.
func (d *directory) SoftwareStatement(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	st, err := d.verify(rc)
	if err != nil {
		return rc, err
	}
	rc.SoftwareStatementClaims = st.claims
	return d.DefaultSteps.SoftwareStatement(ctx, rc)
}

// RedirectURIs applies the built-in rules to the request's redirect URIs
// (or to the statement's when the request has none), then requires each to
// be listed in the statement.
func (d *directory) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	st, err := d.verify(rc)
	if err != nil {
		return rc, err
	}
	if len(rc.Request.RedirectURIs) == 0 && len(st.redirectURIs) > 0 {
		rc.Request.RedirectURIs = st.redirectURIs // a new slice: the argument is not changed
	}
	rc, err = d.DefaultSteps.RedirectURIs(ctx, rc)
	if err != nil {
		return rc, err
	}
	for i, u := range rc.Client.Metadata.RedirectURIs {
		if !slices.Contains(st.redirectURIs, u) {
			return rc, sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: is not listed in the software statement's software_redirect_uris", i)
		}
	}
	return rc, nil
}

// Scopes applies the built-in rules (the profile's scopes), then requires
// every scope the client asked for to belong to one of the statement's
// roles.
func (d *directory) Scopes(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	st, err := d.verify(rc)
	if err != nil {
		return rc, err
	}
	rc, err = d.DefaultSteps.Scopes(ctx, rc)
	if err != nil || rc.Request.Scope == "" {
		return rc, err
	}
	for _, s := range rc.Client.Metadata.Scopes() {
		if !d.cfg.roleAllows(st.roles, s) {
			return rc, sdk.ErrInvalidClientMetadata().WithDescription("scope: %q is not allowed by the software statement's software_roles", s)
		}
	}
	return rc, nil
}

// verify checks the request's software statement against the directory's
// configuration at rc.Now. Every step that needs the statement verifies it
// again rather than trusting a value in the context, which an earlier
// validator of the chain could have set: a signature check costs well under
// a millisecond.
func (d *directory) verify(rc sdk.RegistrationContext) (*statement, error) {
	cfg := &d.cfg
	raw := rc.Request.SoftwareStatement
	if raw == "" {
		return nil, sdk.ErrInvalidSoftwareStatement().WithDescription("software_statement: required")
	}
	invalid := func(why string, cause error) error {
		return sdk.ErrInvalidSoftwareStatement().WithDescription("software_statement: %s", why).WithCause(cause)
	}
	if len(raw) > maxStatementBytes {
		return nil, invalid("is too long", nil)
	}

	// The issuer decides which keys apply, so read it before verifying.
	unverified, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return nil, invalid("is not a well-formed signed JWT", err)
	}
	alg, _ := unverified.Header["alg"].(string)
	if !slices.Contains(cfg.algorithms, alg) {
		return nil, invalid(fmt.Sprintf("signing algorithm %q is not accepted", alg), nil)
	}
	iss, err := unverified.Claims.GetIssuer()
	if err != nil || iss == "" {
		return nil, invalid("the iss claim is required", err)
	}
	if iss != cfg.issuer {
		return nil, sdk.ErrUnapprovedSoftwareStatement().WithDescription("software_statement: issuer %q is not trusted", iss)
	}

	now := rc.Now
	if now.IsZero() {
		now = time.Now()
	}
	claims := jwt.MapClaims{}
	_, err = jwt.NewParser(
		jwt.WithValidMethods(cfg.algorithms),
		jwt.WithIssuer(cfg.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(func() time.Time { return now }),
	).ParseWithClaims(raw, claims, cfg.key)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, invalid("has expired", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, invalid("the iat claim is in the future", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, invalid("is not valid yet (nbf)", err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, invalid("the exp claim is required", err)
	case errors.Is(err, errUnknownKey):
		return nil, invalid("is not signed with a key of the directory", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, invalid("the signature does not verify", err)
	default:
		return nil, invalid("cannot be verified", err)
	}
	if _, ok := claims["iat"]; !ok {
		return nil, invalid("the iat claim is required", nil)
	}

	st := &statement{claims: map[string]any(claims)}
	var ok bool
	if st.softwareID, ok = claims["software_id"].(string); !ok || st.softwareID == "" {
		return nil, invalid("the software_id claim is required", nil)
	}
	if st.redirectURIs, ok = stringList(claims["software_redirect_uris"]); !ok {
		return nil, invalid("the software_redirect_uris claim must be a list of strings", nil)
	}
	if st.roles, ok = stringList(claims["software_roles"]); !ok {
		return nil, invalid("the software_roles claim must be a list of strings", nil)
	}
	return st, nil
}

// stringList reads an optional claim holding a JSON array of strings.
func stringList(v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// errUnknownKey: no key of the directory can verify the statement.
var errUnknownKey = errors.New("no matching key in the directory's JWK Set")

// key is the jwt.Keyfunc: the key named by the header's kid, or the only
// key that fits the algorithm when there is no kid. A key whose "alg" or
// "use" says otherwise is never used.
func (c *config) key(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	kid, hasKID := t.Header["kid"].(string)
	var found []jose.JSONWebKey
	for _, k := range c.keys {
		switch {
		case hasKID && k.KeyID != kid:
		case k.Algorithm != "" && k.Algorithm != alg:
		case k.Use != "" && k.Use != "sig":
		case !keyFits(k, alg):
		default:
			found = append(found, k)
		}
	}
	if len(found) != 1 { // none, or several without a kid to choose
		return nil, errUnknownKey
	}
	return found[0].Key, nil
}

// keyFits reports whether the JWK's key type can verify alg.
func keyFits(k jose.JSONWebKey, alg string) bool {
	kty := keyType(k)
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		return kty == "RSA"
	case strings.HasPrefix(alg, "ES"):
		return kty == "EC"
	case alg == "EdDSA":
		return kty == "OKP"
	}
	return false
}

// roleAllows reports whether one of roles grants scope.
func (c *config) roleAllows(roles []string, scope string) bool {
	for _, r := range roles {
		if slices.Contains(c.roleScopes[r], scope) {
			return true
		}
	}
	return false
}

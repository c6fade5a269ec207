package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultSteps is the built-in "rfc" validator: RFC 7591, RFC 8252, OpenID
// Connect Dynamic Client Registration 1.0 and the Duende IdentityServer
// extension members, checked against the Policy of the caller's profile.
//
// Every step reads rc.Request, checks it against rc.Policy and against the
// values earlier steps accepted in rc.Client.Metadata, and returns a copy of
// rc whose Client.Metadata holds the accepted values. A step never modifies
// the slices or maps of its argument. Refusals are *Error values whose
// description names the member first ("redirect_uris[1]: must use https"):
// ErrInvalidRedirectURI for redirect_uris, ErrUnapprovedSoftwareStatement and
// ErrInvalidSoftwareStatement for software statements, and
// ErrInvalidClientMetadata for everything else.
//
// Embed DefaultSteps to override a single step (see Steps).
type DefaultSteps struct{}

var _ Steps = DefaultSteps{}

// Values known to Registrar. Anything else is refused, never dropped.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantImplicit          = "implicit"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	GrantPassword          = "password"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantSAML2Bearer       = "urn:ietf:params:oauth:grant-type:saml2-bearer"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	GrantCIBA              = "urn:openid:params:grant-type:ciba"

	AuthClientSecretBasic       = "client_secret_basic"
	AuthClientSecretPost        = "client_secret_post"
	AuthClientSecretJWT         = "client_secret_jwt"
	AuthPrivateKeyJWT           = "private_key_jwt"
	AuthNone                    = "none"
	AuthTLSClientAuth           = "tls_client_auth"
	AuthSelfSignedTLSClientAuth = "self_signed_tls_client_auth"

	ApplicationTypeWeb    = "web"
	ApplicationTypeNative = "native"
)

// The lists below are what validation reads. They are unexported so that
// no code in the process can change them; the exported functions return
// copies.
var (
	duendeRefreshTokenUsages      = []string{"OneTimeOnly", "ReUse"}
	duendeRefreshTokenExpirations = []string{"Absolute", "Sliding"}
	duendeAccessTokenTypes        = []string{"Jwt", "Reference"}

	knownGrantTypes = []string{
		GrantAuthorizationCode, GrantImplicit, GrantRefreshToken, GrantClientCredentials,
		GrantPassword, GrantJWTBearer, GrantSAML2Bearer, GrantDeviceCode, GrantTokenExchange,
		GrantCIBA,
	}
	knownResponseTypes = []string{
		"code", "token", "id_token", "code id_token", "code token", "code id_token token",
		"id_token token", "none",
	}
	knownAuthMethods = []string{
		AuthClientSecretBasic, AuthClientSecretPost, AuthClientSecretJWT, AuthPrivateKeyJWT,
		AuthNone, AuthTLSClientAuth, AuthSelfSignedTLSClientAuth,
	}
)

// DuendeRefreshTokenUsages returns the values of Duende IdentityServer's
// TokenUsage enum, spelled as Duende names them
// (Duende.IdentityServer.Models). The Extensions step accepts exactly these
// spellings in refresh_token_usage. The slice is a copy.
func DuendeRefreshTokenUsages() []string { return slices.Clone(duendeRefreshTokenUsages) }

// DuendeRefreshTokenExpirations returns the values of Duende
// IdentityServer's TokenExpiration enum, accepted exactly in
// refresh_token_expiration. The slice is a copy.
func DuendeRefreshTokenExpirations() []string { return slices.Clone(duendeRefreshTokenExpirations) }

// DuendeAccessTokenTypes returns the values of Duende IdentityServer's
// AccessTokenType enum, accepted exactly in access_token_type. The slice is
// a copy.
func DuendeAccessTokenTypes() []string { return slices.Clone(duendeAccessTokenTypes) }

// KnownGrantTypes returns the grant_types values Registrar understands
// (RFC 7591 §2). The slice is a copy: changing it changes nothing else.
func KnownGrantTypes() []string { return slices.Clone(knownGrantTypes) }

// KnownResponseTypes returns the response_types values Registrar
// understands (RFC 7591 §2), in canonical order of their space-separated
// parts (OAuth 2.0 Multiple Response Type Encoding Practices §5; the order
// of the parts is not significant on input). The slice is a copy.
func KnownResponseTypes() []string { return slices.Clone(knownResponseTypes) }

// KnownAuthMethods returns the token_endpoint_auth_method values Registrar
// understands (RFC 7591 §2, OpenID Connect Core §9, RFC 8705 §2). The slice
// is a copy.
func KnownAuthMethods() []string { return slices.Clone(knownAuthMethods) }

// ---------------------------------------------------------------------------
// Software statement.

// SoftwareStatement applies the verified claims of the request's software
// statement (RFC 7591 §2.3).
//
// A statement is trusted only when the server verified it before the
// validators ran and put its claims in rc.SoftwareStatementClaims; a
// statement without verified claims is refused with
// ErrUnapprovedSoftwareStatement. Every claim named like a metadata member
// (or a language-tagged form of one) replaces the request's value: the
// returned rc.Request holds the merged metadata, which the later steps
// validate like any other request. Claim values must have the member's JSON
// type, else ErrInvalidSoftwareStatement. The statement itself is kept in
// Client.Metadata so that the response echoes it.
func (DefaultSteps) SoftwareStatement(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	if rc.Request.SoftwareStatement != "" && rc.SoftwareStatementClaims == nil {
		return rc, ErrUnapprovedSoftwareStatement().WithDescription("software_statement: software statements are not accepted here")
	}
	if rc.SoftwareStatementClaims != nil {
		merged, err := applyStatementClaims(rc.Request, rc.SoftwareStatementClaims)
		if err != nil {
			return rc, err
		}
		rc.Request = merged
	}
	rc.Client.Metadata.SoftwareStatement = rc.Request.SoftwareStatement
	return rc, nil
}

// applyStatementClaims returns req with every metadata-named claim applied.
// req is copied: its slices are shared but never written, its maps are
// cloned before a write.
func applyStatementClaims(req Metadata, claims map[string]any) (Metadata, error) {
	subset := make(map[string]any)
	for name, v := range claims {
		if name == "software_statement" {
			continue // a statement cannot carry another statement
		}
		if _, ok := fieldIndex[name]; ok {
			subset[name] = v
			continue
		}
		if base, _, ok := splitLanguageTag(name); ok && isLocalizable(base) {
			subset[name] = v
		}
	}
	if len(subset) == 0 {
		return req, nil
	}
	body, err := json.Marshal(subset)
	if err != nil {
		return req, ErrInvalidSoftwareStatement().WithDescription("software_statement: claims cannot be read as client metadata").WithCause(err)
	}
	parsed, _, err := ParseMetadata(body, ParseOptions{})
	if err != nil {
		desc := "claims cannot be read as client metadata"
		if e, ok := AsError(err); ok && e.Description != "" {
			desc = "claim " + e.Description
		}
		return req, ErrInvalidSoftwareStatement().WithDescription("software_statement: %s", desc)
	}
	out := req
	dst := reflect.ValueOf(&out).Elem()
	src := reflect.ValueOf(parsed)
	cloned := false
	for name := range subset {
		if f, ok := fieldIndex[name]; ok {
			dst.Field(f.index).Set(src.Field(f.index))
			continue
		}
		if !cloned {
			out.Localized = make(map[string]string, len(req.Localized)+1)
			for k, v := range req.Localized {
				out.Localized[k] = v
			}
			cloned = true
		}
		out.Localized[name] = parsed.Localized[name]
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Application type.

// ApplicationType accepts application_type "web" or "native" (OpenID
// Connect DCR 1.0 §2) and sets "web", the default, when it is absent. Any
// other value, including another spelling, is refused.
//
// When Policy.InferNativeApplicationType is set, a request without
// application_type whose redirect URIs are all native ones (http on a
// loopback host, or a private-use scheme; see nativeOnlyRedirects) gets
// "native" instead; the RedirectURIs step then applies the native rules of
// RFC 8252 to them. A client using the implicit or hybrid flow (the
// implicit grant type, or a response type with "token" or "id_token",
// as requested: the GrantTypes step derives each from the other) is never
// inferred native: it stays web, so that the rule for web clients of those
// flows (https only, never a loopback host; OpenID Connect DCR 1.0 §2)
// applies and refuses such redirect URIs.
func (DefaultSteps) ApplicationType(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	switch at := rc.Request.ApplicationType; at {
	case "":
		rc.Client.Metadata.ApplicationType = ApplicationTypeWeb
		if rc.Policy.InferNativeApplicationType && nativeOnlyRedirects(rc.Request.RedirectURIs) &&
			!usesImplicitFlow(rc.Request.GrantTypes, rc.Request.ResponseTypes) {
			rc.Client.Metadata.ApplicationType = ApplicationTypeNative
		}
	case ApplicationTypeWeb, ApplicationTypeNative:
		rc.Client.Metadata.ApplicationType = at
	default:
		return rc, metaErr("application_type", "unknown application type %s (use \"web\" or \"native\")", q(at))
	}
	return rc, nil
}

// nativeOnlyRedirects reports whether uris is not empty and every URI in it
// is one only a native app receives: http on the loopback hosts a native
// client may use (127.0.0.1, [::1], localhost; RFC 8252 §7.3, §8.3), or a
// private-use scheme (RFC 8252 §7.1), that is neither http nor https nor a
// refused scheme. A URI that does not parse makes it false: the web rules
// then report it.
func nativeOnlyRedirects(uris []string) bool {
	if len(uris) == 0 {
		return false
	}
	for _, s := range uris {
		u, why := parseAbsURI(s)
		if why != "" {
			return false
		}
		switch u.Scheme {
		case "https":
			return false
		case "http":
			host := u.Hostname()
			if u.Opaque != "" || !(isLoopbackLiteral(host) || strings.EqualFold(host, "localhost")) {
				return false
			}
		}
	}
	return true
}

// applicationType is the accepted application type, falling back to the
// request's and then to the default when the ApplicationType step was
// replaced.
func applicationType(rc RegistrationContext) string {
	if at := rc.Client.Metadata.ApplicationType; at != "" {
		return at
	}
	if at := rc.Request.ApplicationType; at != "" {
		return at
	}
	return ApplicationTypeWeb
}

// ---------------------------------------------------------------------------
// Scopes.

// Scopes checks scope (RFC 7591 §2, RFC 6749 §3.3). The value is split on
// spaces; every token must match the scope-token syntax of RFC 6749 §3.3
// and be allowed by the policy (Policy.Scopes, or a token of
// Policy.DefaultScope). Repeated tokens are collapsed, keeping the first
// occurrence. When scope is absent, Policy.DefaultScope applies (possibly
// empty).
func (DefaultSteps) Scopes(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	p := rc.Policy
	if rc.Request.Scope == "" {
		rc.Client.Metadata.Scope = strings.Join(strings.Fields(p.DefaultScope), " ")
		return rc, nil
	}
	allowed := make(map[string]bool, len(p.Scopes))
	for _, s := range p.Scopes {
		allowed[s] = true
	}
	for _, s := range strings.Fields(p.DefaultScope) {
		allowed[s] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, tok := range strings.Split(rc.Request.Scope, " ") {
		if tok == "" {
			continue
		}
		if !validScopeToken(tok) {
			return rc, metaErr("scope", "invalid scope token %s", q(tok))
		}
		if !allowed[tok] {
			return rc, metaErr("scope", "%s is not allowed", q(tok))
		}
		if !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	if len(out) == 0 {
		return rc, metaErr("scope", "must hold at least one scope token")
	}
	rc.Client.Metadata.Scope = strings.Join(out, " ")
	return rc, nil
}

// validScopeToken implements scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Names, URIs shown to users, contacts, software identity.

// Names checks the human-readable members (RFC 7591 §2 and §2.2):
// client_name must not be blank nor hold bidirectional override
// characters; client_uri, logo_uri, tos_uri and policy_uri must be absolute
// http or https URLs with a host and without user information; their
// language-tagged forms ("client_name#ja-Jpan-JP") follow the same rules and
// are kept in Localized. contacts must be bare e-mail addresses
// ("ops@example.com", no display name), without repeats. software_id and
// software_version are kept as sent.
func (DefaultSteps) Names(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req := rc.Request
	md := rc.Client.Metadata
	if req.ClientName != "" {
		if why := checkDisplayName(req.ClientName); why != "" {
			return rc, metaErr("client_name", "%s", why)
		}
	}
	md.ClientName = req.ClientName
	uris := []struct {
		name string
		v    string
		dst  *string
	}{
		{"client_uri", req.ClientURI, &md.ClientURI},
		{"logo_uri", req.LogoURI, &md.LogoURI},
		{"tos_uri", req.TOSURI, &md.TOSURI},
		{"policy_uri", req.PolicyURI, &md.PolicyURI},
	}
	for _, u := range uris {
		if u.v != "" {
			if _, why := checkHTTPURL(u.v, true, true); why != "" {
				return rc, metaErr(u.name, "%s", why)
			}
		}
		*u.dst = u.v
	}
	var localized map[string]string
	for _, name := range sortedKeys(req.Localized) {
		v := req.Localized[name]
		base, _, ok := splitLanguageTag(name)
		if !ok || !isLocalizable(base) {
			return rc, metaErr(quoteName(name), "language tags are not supported on this member")
		}
		if base == "client_name" {
			if why := checkDisplayName(v); why != "" {
				return rc, metaErr(quoteName(name), "%s", why)
			}
		} else if _, why := checkHTTPURL(v, true, true); why != "" {
			return rc, metaErr(quoteName(name), "%s", why)
		}
		if localized == nil {
			localized = make(map[string]string, len(req.Localized))
		}
		localized[name] = v
	}
	md.Localized = localized
	var contacts []string
	seen := map[string]int{}
	for i, c := range req.Contacts {
		field := fmt.Sprintf("contacts[%d]", i)
		addr, err := mail.ParseAddress(c)
		if err != nil || addr.Name != "" || addr.Address != c {
			return rc, metaErr(field, "must be a bare e-mail address such as ops@example.com")
		}
		key := strings.ToLower(c)
		if j, dup := seen[key]; dup {
			return rc, metaErr(field, "duplicate of contacts[%d]", j)
		}
		seen[key] = i
		contacts = append(contacts, c)
	}
	md.Contacts = contacts
	md.SoftwareID = req.SoftwareID
	md.SoftwareVersion = req.SoftwareVersion
	rc.Client.Metadata = md
	return rc, nil
}

// checkDisplayName refuses names that are blank or could reorder the text
// around them on a consent screen.
func checkDisplayName(s string) string {
	if strings.TrimSpace(s) == "" {
		return "must not be blank"
	}
	for _, r := range s {
		if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return "must not contain bidirectional control characters"
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Duende IdentityServer extensions.

// Extensions checks the extension members of Duende IdentityServer's
// Configuration API:
//
//   - the lifetimes (identity_token_lifetime, access_token_lifetime,
//     authorization_code_lifetime, absolute_refresh_token_lifetime,
//     sliding_refresh_token_lifetime, consent_lifetime) are positive numbers
//     of seconds, at most Policy.MaxLifetime when that is set, and the
//     sliding refresh token lifetime does not exceed the absolute one;
//   - refresh_token_usage is "OneTimeOnly" or "ReUse", refresh_token_expiration
//     "Absolute" or "Sliding", access_token_type "Jwt" or "Reference":
//     exactly the names of Duende's TokenUsage, TokenExpiration and
//     AccessTokenType enums, letter case included, so that the value is
//     stored and echoed as sent and every consumer reads the same value;
//     any other spelling is refused with a description listing the allowed
//     values;
//   - allowed_cors_origins are distinct origins (RFC 6454 §6.2): http or
//     https, a host, an optional port, nothing else;
//   - identity_provider_restrictions are non-blank and distinct;
//   - allowed_identity_token_signing_algorithms are allowed by the policy
//     and never "none";
//   - require_client_secret agrees with token_endpoint_auth_method: not
//     false for a secret-based method, not true for "none".
//
// The boolean members are copied.
func (DefaultSteps) Extensions(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req, p := rc.Request, rc.Policy
	md := rc.Client.Metadata
	lifetimes := []struct {
		name string
		v    *int64
		dst  **int64
	}{
		{"identity_token_lifetime", req.IdentityTokenLifetime, &md.IdentityTokenLifetime},
		{"access_token_lifetime", req.AccessTokenLifetime, &md.AccessTokenLifetime},
		{"authorization_code_lifetime", req.AuthorizationCodeLifetime, &md.AuthorizationCodeLifetime},
		{"absolute_refresh_token_lifetime", req.AbsoluteRefreshTokenLifetime, &md.AbsoluteRefreshTokenLifetime},
		{"sliding_refresh_token_lifetime", req.SlidingRefreshTokenLifetime, &md.SlidingRefreshTokenLifetime},
		{"consent_lifetime", req.ConsentLifetime, &md.ConsentLifetime},
	}
	for _, l := range lifetimes {
		if l.v != nil {
			if *l.v <= 0 {
				return rc, metaErr(l.name, "must be a positive number of seconds")
			}
			if p.MaxLifetime > 0 && *l.v > p.MaxLifetime {
				return rc, metaErr(l.name, "must not exceed %d seconds", p.MaxLifetime)
			}
		}
		*l.dst = clonePtr(l.v)
	}
	if s, a := req.SlidingRefreshTokenLifetime, req.AbsoluteRefreshTokenLifetime; s != nil && a != nil && *s > *a {
		return rc, metaErr("sliding_refresh_token_lifetime", "must not exceed absolute_refresh_token_lifetime")
	}

	enums := []struct {
		name    string
		v       string
		allowed []string
		dst     *string
	}{
		{"refresh_token_usage", req.RefreshTokenUsage, duendeRefreshTokenUsages, &md.RefreshTokenUsage},
		{"refresh_token_expiration", req.RefreshTokenExpiration, duendeRefreshTokenExpirations, &md.RefreshTokenExpiration},
		{"access_token_type", req.AccessTokenType, duendeAccessTokenTypes, &md.AccessTokenType},
	}
	for _, e := range enums {
		if e.v != "" && !contains(e.allowed, e.v) {
			return rc, metaErr(e.name, "must be %s, spelled exactly so (Duende IdentityServer's names); got %s", quoteList(e.allowed), q(e.v))
		}
		*e.dst = e.v
	}

	var origins []string
	seenOrigin := map[string]int{}
	for i, o := range req.AllowedCORSOrigins {
		field := fmt.Sprintf("allowed_cors_origins[%d]", i)
		if why := checkOrigin(o); why != "" {
			return rc, metaErr(field, "%s", why)
		}
		key := strings.ToLower(o)
		if j, dup := seenOrigin[key]; dup {
			return rc, metaErr(field, "duplicate of allowed_cors_origins[%d]", j)
		}
		seenOrigin[key] = i
		origins = append(origins, o)
	}
	md.AllowedCORSOrigins = origins

	idps, err := nonBlankDistinct("identity_provider_restrictions", req.IdentityProviderRestrictions)
	if err != nil {
		return rc, err
	}
	md.IdentityProviderRestrictions = idps

	var algs []string
	seenAlg := map[string]int{}
	for i, a := range req.AllowedIdentityTokenSigningAlgorithms {
		field := fmt.Sprintf("allowed_identity_token_signing_algorithms[%d]", i)
		if err := checkSigningAlg(field, a, p); err != nil {
			return rc, err
		}
		if j, dup := seenAlg[a]; dup {
			return rc, metaErr(field, "duplicate of allowed_identity_token_signing_algorithms[%d]", j)
		}
		seenAlg[a] = i
		algs = append(algs, a)
	}
	md.AllowedIdentityTokenSigningAlgorithms = algs

	if r := req.RequireClientSecret; r != nil {
		method := md.TokenEndpointAuthMethod
		if method == "" {
			method = req.TokenEndpointAuthMethod
		}
		switch {
		case !*r && secretBasedAuth(method):
			return rc, metaErr("require_client_secret", "must not be false with token_endpoint_auth_method %s", q(method))
		case *r && method == AuthNone:
			return rc, metaErr("require_client_secret", "must not be true with token_endpoint_auth_method \"none\"")
		}
	}
	md.RequireClientSecret = clonePtr(req.RequireClientSecret)
	md.UpdateAccessTokenClaimsOnRefresh = clonePtr(req.UpdateAccessTokenClaimsOnRefresh)
	md.RequireConsent = clonePtr(req.RequireConsent)
	md.AllowRememberConsent = clonePtr(req.AllowRememberConsent)
	md.EnableLocalLogin = clonePtr(req.EnableLocalLogin)
	md.CoordinateLifetimeWithUserSession = clonePtr(req.CoordinateLifetimeWithUserSession)
	rc.Client.Metadata = md
	return rc, nil
}

// checkOrigin accepts a serialized origin: scheme "://" host [":" port].
func checkOrigin(s string) string {
	u, why := parseAbsURI(s)
	if why != "" {
		return why
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must use http or https"
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return "must have a host"
	}
	if strings.Contains(s, "*") {
		return "must not contain a wildcard"
	}
	if u.Path != "" || u.RawPath != "" || u.ForceQuery || u.RawQuery != "" || strings.ContainsAny(s, "?#") {
		return "must be an origin (scheme, host and optional port) without path, query or fragment"
	}
	return ""
}

func secretBasedAuth(method string) bool {
	return method == AuthClientSecretBasic || method == AuthClientSecretPost || method == AuthClientSecretJWT
}

// ---------------------------------------------------------------------------
// Unknown members.

// Unknown keeps the members Registrar does not know (rc.Request.Extensions)
// when Policy.KeepUnknownMetadata is set, and drops them otherwise, as
// RFC 7591 §2 allows ("the authorization server MUST ignore any client
// metadata sent by the client that it does not understand").
func (DefaultSteps) Unknown(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	if !rc.Policy.KeepUnknownMetadata || len(rc.Request.Extensions) == 0 {
		rc.Client.Metadata.Extensions = nil
		return rc, nil
	}
	ext := make(map[string]json.RawMessage, len(rc.Request.Extensions))
	for k, v := range rc.Request.Extensions {
		if isKnownField(k) {
			continue
		}
		ext[k] = append(json.RawMessage(nil), v...)
	}
	rc.Client.Metadata.Extensions = ext
	return rc, nil
}

// ---------------------------------------------------------------------------
// Shared helpers.

// metaErr is ErrInvalidClientMetadata with a description naming field.
func metaErr(field, format string, args ...any) *Error {
	return ErrInvalidClientMetadata().WithDescription("%s: %s", field, fmt.Sprintf(format, args...))
}

// redirectErr is ErrInvalidRedirectURI with a description naming field.
func redirectErr(field, format string, args ...any) *Error {
	return ErrInvalidRedirectURI().WithDescription("%s: %s", field, fmt.Sprintf(format, args...))
}

// q quotes a caller-supplied value for an error description: ASCII only,
// at most 64 characters of the value.
func q(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strconv.QuoteToASCII(s)
}

// quoteAll quotes every element of a list and joins them with ", ".
func quoteAll(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = q(s)
	}
	return strings.Join(out, ", ")
}

func quoteList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strconv.Quote(s)
	}
	return strings.Join(out, " or ")
}

// nonBlankDistinct checks a list of free-form strings: none blank, no
// repeats. It returns a copy.
func nonBlankDistinct(name string, list []string) ([]string, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]string, 0, len(list))
	seen := map[string]int{}
	for i, s := range list {
		field := fmt.Sprintf("%s[%d]", name, i)
		if strings.TrimSpace(s) == "" {
			return nil, metaErr(field, "must not be blank")
		}
		if j, dup := seen[s]; dup {
			return nil, metaErr(field, "duplicate of %s[%d]", name, j)
		}
		seen[s] = i
		out = append(out, s)
	}
	return out, nil
}

// checkSigningAlg accepts a JWS algorithm the policy allows; "none" never.
func checkSigningAlg(field, alg string, p Policy) *Error {
	if strings.EqualFold(alg, "none") {
		return metaErr(field, "\"none\" is not allowed")
	}
	if !contains(p.SigningAlgs, alg) {
		return metaErr(field, "%s is not allowed", q(alg))
	}
	return nil
}

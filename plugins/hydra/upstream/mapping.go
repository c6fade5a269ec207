package upstream

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// hydraClient is the subset of Hydra v2.3.0's OAuth 2.0 client
// (client.Client in github.com/ory/hydra/v2, the body of POST and PUT
// /admin/clients) that Registrar writes and reads. Every member is written
// on every call: PUT replaces the whole client (RFC 7592 §2.2), so a member
// left out is removed there as it is here.
type hydraClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	Owner        string `json:"owner"`

	ClientName              string          `json:"client_name"`
	RedirectURIs            []string        `json:"redirect_uris"`
	GrantTypes              []string        `json:"grant_types"`
	ResponseTypes           []string        `json:"response_types"`
	Scope                   string          `json:"scope"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method,omitempty"`
	TokenEndpointAuthAlg    string          `json:"token_endpoint_auth_signing_alg,omitempty"`
	JWKSURI                 string          `json:"jwks_uri,omitempty"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	ClientURI               string          `json:"client_uri"`
	LogoURI                 string          `json:"logo_uri"`
	PolicyURI               string          `json:"policy_uri"`
	TOSURI                  string          `json:"tos_uri"`
	Contacts                []string        `json:"contacts"`
	AllowedCORSOrigins      []string        `json:"allowed_cors_origins"`

	SubjectType                       string   `json:"subject_type,omitempty"`
	SectorIdentifierURI               string   `json:"sector_identifier_uri,omitempty"`
	RequestURIs                       []string `json:"request_uris,omitempty"`
	RequestObjectSigningAlg           string   `json:"request_object_signing_alg,omitempty"`
	UserinfoSignedResponseAlg         string   `json:"userinfo_signed_response_alg,omitempty"`
	PostLogoutRedirectURIs            []string `json:"post_logout_redirect_uris,omitempty"`
	FrontchannelLogoutURI             string   `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelLogoutSessionRequired bool     `json:"frontchannel_logout_session_required,omitempty"`
	BackchannelLogoutURI              string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired  bool     `json:"backchannel_logout_session_required,omitempty"`
	AccessTokenStrategy               string   `json:"access_token_strategy,omitempty"`
	// SkipConsent is always false: consent stays with the operator's
	// consent app (Hydra refuses skip_consent from its own dynamic
	// registration for the same reason).
	SkipConsent bool `json:"skip_consent"`

	Lifespans

	Metadata  json.RawMessage `json:"metadata,omitempty"`
	CreatedAt time.Time       `json:"created_at,omitzero"`
}

// Lifespans are Hydra's per-client token lifespans (client.Lifespans,
// also settable alone with PUT /admin/clients/{id}/lifespans), Go duration
// strings; "" leaves Hydra's global default (ttl.*) in force. They travel
// inline in the client body, so that a create or a replace sets them in the
// same write.
type Lifespans struct {
	AuthorizationCodeGrantAccessTokenLifespan  string `json:"authorization_code_grant_access_token_lifespan,omitempty"`
	AuthorizationCodeGrantIDTokenLifespan      string `json:"authorization_code_grant_id_token_lifespan,omitempty"`
	AuthorizationCodeGrantRefreshTokenLifespan string `json:"authorization_code_grant_refresh_token_lifespan,omitempty"`
	ClientCredentialsGrantAccessTokenLifespan  string `json:"client_credentials_grant_access_token_lifespan,omitempty"`
	ImplicitGrantAccessTokenLifespan           string `json:"implicit_grant_access_token_lifespan,omitempty"`
	ImplicitGrantIDTokenLifespan               string `json:"implicit_grant_id_token_lifespan,omitempty"`
	JwtBearerGrantAccessTokenLifespan          string `json:"jwt_bearer_grant_access_token_lifespan,omitempty"`
	RefreshTokenGrantIDTokenLifespan           string `json:"refresh_token_grant_id_token_lifespan,omitempty"`
	RefreshTokenGrantAccessTokenLifespan       string `json:"refresh_token_grant_access_token_lifespan,omitempty"`
	RefreshTokenGrantRefreshTokenLifespan      string `json:"refresh_token_grant_refresh_token_lifespan,omitempty"`
}

// marker is metadata.registrar of every client this plugin writes.
type marker struct {
	Owner    string `json:"owner"`
	Revision int64  `json:"revision"`
}

// markerDoc is Hydra's metadata member as this plugin writes it.
type markerDoc struct {
	Registrar *marker `json:"registrar,omitempty"`
}

// What Hydra v2.3.0 can serve. Hydra stores any string in these members
// without checking it, and a client registered with another value could
// never use it: such a client is refused before Hydra is called, so that a
// 201 means usable.
var (
	// fosite's factories in Hydra: authorization code, implicit, client
	// credentials, refresh token and the RFC 7523 JWT bearer grant.
	hydraGrantTypes = []string{
		sdk.GrantAuthorizationCode, sdk.GrantImplicit, sdk.GrantClientCredentials,
		sdk.GrantRefreshToken, sdk.GrantJWTBearer,
	}
	// fosite authenticates clients with these methods only; it answers
	// client_secret_jwt with "not supported", and has no mutual TLS.
	hydraAuthMethods = []string{
		sdk.AuthClientSecretBasic, sdk.AuthClientSecretPost, sdk.AuthPrivateKeyJWT, sdk.AuthNone,
	}
	// Parts of a response type fosite's handlers answer.
	hydraResponseTypeParts = []string{"code", "token", "id_token"}
)

// unsupported returns the refusal of a client Hydra would store but could
// never serve (RFC 7591 §3.2.2 invalid_client_metadata, naming the member),
// or nil.
func unsupported(m sdk.Metadata) *sdk.Error {
	if a := m.TokenEndpointAuthMethod; a != "" && !slices.Contains(hydraAuthMethods, a) {
		return sdk.ErrInvalidClientMetadata().WithDescription(
			"token_endpoint_auth_method: %s is not supported by the authorization server (it supports %s)",
			a, strings.Join(hydraAuthMethods, ", "))
	}
	for i, g := range m.GrantTypes {
		if !slices.Contains(hydraGrantTypes, g) {
			return sdk.ErrInvalidClientMetadata().WithDescription(
				"grant_types[%d]: %s is not supported by the authorization server", i, g)
		}
	}
	for i, rt := range m.ResponseTypes {
		for part := range strings.FieldsSeq(rt) {
			if !slices.Contains(hydraResponseTypeParts, part) {
				return sdk.ErrInvalidClientMetadata().WithDescription(
					"response_types[%d]: %s is not supported by the authorization server", i, rt)
			}
		}
	}
	return nil
}

// toHydra returns the Hydra client of p, without a secret: the caller sets
// ClientSecret. See README.md for the table.
func toHydra(p sdk.Provision, owner string) (hydraClient, error) {
	m := p.Client.Metadata
	meta, err := json.Marshal(markerDoc{Registrar: &marker{Owner: owner, Revision: p.Revision}})
	if err != nil {
		return hydraClient{}, err
	}
	h := hydraClient{
		ClientID:                p.Client.ID,
		Owner:                   owner,
		ClientName:              m.ClientName,
		RedirectURIs:            nonNil(m.RedirectURIs),
		GrantTypes:              nonNil(m.GrantTypes),
		ResponseTypes:           nonNil(m.ResponseTypes),
		Scope:                   m.Scope,
		TokenEndpointAuthMethod: m.TokenEndpointAuthMethod,
		TokenEndpointAuthAlg:    m.TokenEndpointAuthSigningAlg,
		JWKSURI:                 m.JWKSURI,
		ClientURI:               m.ClientURI,
		LogoURI:                 m.LogoURI,
		PolicyURI:               m.PolicyURI,
		TOSURI:                  m.TOSURI,
		Contacts:                nonNil(m.Contacts),
		AllowedCORSOrigins:      nonNil(m.AllowedCORSOrigins),

		SubjectType:                       m.SubjectType,
		SectorIdentifierURI:               m.SectorIdentifierURI,
		RequestURIs:                       m.RequestURIs,
		RequestObjectSigningAlg:           m.RequestObjectSigningAlg,
		UserinfoSignedResponseAlg:         m.UserinfoSignedResponseAlg,
		PostLogoutRedirectURIs:            m.PostLogoutRedirectURIs,
		FrontchannelLogoutURI:             m.FrontchannelLogoutURI,
		FrontchannelLogoutSessionRequired: isTrue(m.FrontchannelLogoutSessionRequired),
		BackchannelLogoutURI:              m.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired:  isTrue(m.BackchannelLogoutSessionRequired),
		Lifespans:                         lifespans(m),
		Metadata:                          meta,
	}
	if len(m.JWKS) > 0 && string(m.JWKS) != "null" {
		h.JWKS = m.JWKS
	}
	if h.Scope == "" {
		// Hydra gives a client without a scope its default scopes
		// (oidc.dynamic_client_registration.default_scope: openid, offline,
		// offline_access); a client Registrar accepted without scopes may
		// request none. Hydra splits scope on whitespace, so " " is the
		// empty list it does not replace.
		h.Scope = " "
	}
	switch m.AccessTokenType {
	case "Jwt":
		h.AccessTokenStrategy = "jwt"
	case "Reference":
		h.AccessTokenStrategy = "opaque"
	}
	return h, nil
}

// lifespans maps Duende's lifetimes (seconds) to Hydra's per-client
// lifespans:
//   - access_token_lifetime: the access token of every grant;
//   - identity_token_lifetime: the ID token of every grant that issues one;
//   - refresh tokens: Hydra rotates a refresh token on every use and gives
//     the new one a full lifespan, which is Duende's sliding expiration. With
//     refresh_token_expiration "Sliding" each refresh token lives
//     sliding_refresh_token_lifetime; otherwise ("Absolute", Duende's
//     default) absolute_refresh_token_lifetime. Hydra cannot cap a chain of
//     rotated tokens at an absolute lifetime: Registrar keeps that value.
//
// A lifetime of 0 (Duende: no expiry, for refresh tokens) or absent leaves
// Hydra's global default.
func lifespans(m sdk.Metadata) Lifespans {
	var l Lifespans
	if d := seconds(m.AccessTokenLifetime); d != "" {
		l.AuthorizationCodeGrantAccessTokenLifespan = d
		l.ClientCredentialsGrantAccessTokenLifespan = d
		l.ImplicitGrantAccessTokenLifespan = d
		l.JwtBearerGrantAccessTokenLifespan = d
		l.RefreshTokenGrantAccessTokenLifespan = d
	}
	if d := seconds(m.IdentityTokenLifetime); d != "" {
		l.AuthorizationCodeGrantIDTokenLifespan = d
		l.ImplicitGrantIDTokenLifespan = d
		l.RefreshTokenGrantIDTokenLifespan = d
	}
	refresh := m.AbsoluteRefreshTokenLifetime
	if m.RefreshTokenExpiration == "Sliding" {
		refresh = m.SlidingRefreshTokenLifetime
	}
	if d := seconds(refresh); d != "" {
		l.AuthorizationCodeGrantRefreshTokenLifespan = d
		l.RefreshTokenGrantRefreshTokenLifespan = d
	}
	return l
}

// seconds returns a positive number of seconds as a Go duration string
// ("3600s" is "1h0m0s"), or "" for nil or a value that is not positive.
func seconds(n *int64) string {
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	if n == nil || *n <= 0 {
		return ""
	}
	return (time.Duration(min(*n, maxSeconds)) * time.Second).String()
}

func isTrue(b *bool) bool { return b != nil && *b }

// nonNil returns s, or an empty list for nil: Hydra keeps JSON null and []
// alike, but an explicit [] makes a replace clear the member.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// throwaway returns a random secret that nobody learns, for a client
// without a secret: Hydra holds a secret for every client (it generates
// one when none is sent), and a client that no longer has one in Registrar
// must not keep a secret that once worked.
func throwaway() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("hydra: random secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Metadata is the client metadata of a registration: the fields of
// RFC 7591 §2, OpenID Connect Dynamic Client Registration 1.0 §2, RP-initiated,
// front- and back-channel logout, and the extension fields of Duende
// IdentityServer's Configuration API.
//
// Human-readable fields may carry BCP 47 language tags (RFC 7591 §2.2), such
// as "client_name#ja-Jpan-JP"; those values are kept in Localized under their
// full member name. Members Registrar does not know are kept in Extensions
// when the policy keeps unknown metadata, and dropped otherwise (RFC 7591 §2).
//
// The zero value of a field means "absent". Integer and boolean fields are
// pointers so that an explicit false or 0 survives.
type Metadata struct {
	// RFC 7591 §2.
	RedirectURIs            []string        `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string        `json:"grant_types,omitempty"`
	ResponseTypes           []string        `json:"response_types,omitempty"`
	ClientName              string          `json:"client_name,omitempty"`
	ClientURI               string          `json:"client_uri,omitempty"`
	LogoURI                 string          `json:"logo_uri,omitempty"`
	Scope                   string          `json:"scope,omitempty"`
	Contacts                []string        `json:"contacts,omitempty"`
	TOSURI                  string          `json:"tos_uri,omitempty"`
	PolicyURI               string          `json:"policy_uri,omitempty"`
	JWKSURI                 string          `json:"jwks_uri,omitempty"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	SoftwareID              string          `json:"software_id,omitempty"`
	SoftwareVersion         string          `json:"software_version,omitempty"`
	SoftwareStatement       string          `json:"software_statement,omitempty"`

	// OpenID Connect Dynamic Client Registration 1.0 §2.
	ApplicationType              string   `json:"application_type,omitempty"`
	SectorIdentifierURI          string   `json:"sector_identifier_uri,omitempty"`
	SubjectType                  string   `json:"subject_type,omitempty"`
	IDTokenSignedResponseAlg     string   `json:"id_token_signed_response_alg,omitempty"`
	IDTokenEncryptedResponseAlg  string   `json:"id_token_encrypted_response_alg,omitempty"`
	IDTokenEncryptedResponseEnc  string   `json:"id_token_encrypted_response_enc,omitempty"`
	UserinfoSignedResponseAlg    string   `json:"userinfo_signed_response_alg,omitempty"`
	UserinfoEncryptedResponseAlg string   `json:"userinfo_encrypted_response_alg,omitempty"`
	UserinfoEncryptedResponseEnc string   `json:"userinfo_encrypted_response_enc,omitempty"`
	RequestObjectSigningAlg      string   `json:"request_object_signing_alg,omitempty"`
	RequestObjectEncryptionAlg   string   `json:"request_object_encryption_alg,omitempty"`
	RequestObjectEncryptionEnc   string   `json:"request_object_encryption_enc,omitempty"`
	TokenEndpointAuthSigningAlg  string   `json:"token_endpoint_auth_signing_alg,omitempty"`
	DefaultMaxAge                *int64   `json:"default_max_age,omitempty"`
	RequireAuthTime              *bool    `json:"require_auth_time,omitempty"`
	DefaultACRValues             []string `json:"default_acr_values,omitempty"`
	InitiateLoginURI             string   `json:"initiate_login_uri,omitempty"`
	RequestURIs                  []string `json:"request_uris,omitempty"`
	RequireSignedRequestObject   *bool    `json:"require_signed_request_object,omitempty"`

	// OpenID Connect RP-Initiated, Front-Channel and Back-Channel Logout 1.0.
	PostLogoutRedirectURIs            []string `json:"post_logout_redirect_uris,omitempty"`
	FrontchannelLogoutURI             string   `json:"frontchannel_logout_uri,omitempty"`
	FrontchannelLogoutSessionRequired *bool    `json:"frontchannel_logout_session_required,omitempty"`
	BackchannelLogoutURI              string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired  *bool    `json:"backchannel_logout_session_required,omitempty"`

	// Duende IdentityServer Configuration API extensions. Lifetimes are in
	// seconds.
	IdentityTokenLifetime                 *int64   `json:"identity_token_lifetime,omitempty"`
	AccessTokenLifetime                   *int64   `json:"access_token_lifetime,omitempty"`
	AuthorizationCodeLifetime             *int64   `json:"authorization_code_lifetime,omitempty"`
	AbsoluteRefreshTokenLifetime          *int64   `json:"absolute_refresh_token_lifetime,omitempty"`
	SlidingRefreshTokenLifetime           *int64   `json:"sliding_refresh_token_lifetime,omitempty"`
	ConsentLifetime                       *int64   `json:"consent_lifetime,omitempty"`
	RefreshTokenExpiration                string   `json:"refresh_token_expiration,omitempty"`
	RefreshTokenUsage                     string   `json:"refresh_token_usage,omitempty"`
	UpdateAccessTokenClaimsOnRefresh      *bool    `json:"update_access_token_claims_on_refresh,omitempty"`
	RequireConsent                        *bool    `json:"require_consent,omitempty"`
	AllowRememberConsent                  *bool    `json:"allow_remember_consent,omitempty"`
	AccessTokenType                       string   `json:"access_token_type,omitempty"`
	AllowedCORSOrigins                    []string `json:"allowed_cors_origins,omitempty"`
	RequireClientSecret                   *bool    `json:"require_client_secret,omitempty"`
	EnableLocalLogin                      *bool    `json:"enable_local_login,omitempty"`
	IdentityProviderRestrictions          []string `json:"identity_provider_restrictions,omitempty"`
	CoordinateLifetimeWithUserSession     *bool    `json:"coordinate_lifetime_with_user_session,omitempty"`
	AllowedIdentityTokenSigningAlgorithms []string `json:"allowed_identity_token_signing_algorithms,omitempty"`

	// Localized holds language-tagged values of human-readable fields,
	// keyed by the full member name ("client_name#ja-Jpan-JP").
	Localized map[string]string `json:"-"`
	// Extensions holds members Registrar does not know, as raw JSON.
	Extensions map[string]json.RawMessage `json:"-"`
}

// metadataFields is the plain JSON shape of Metadata, without the custom
// marshaller.
type metadataFields Metadata

// MarshalJSON writes the known fields, then the language-tagged and the
// extension members in key order. A member of Localized or Extensions never
// overrides a known field.
func (m Metadata) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(metadataFields(m))
	if err != nil {
		return nil, err
	}
	if len(m.Localized) == 0 && len(m.Extensions) == 0 {
		return b, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(b) + 64*(len(m.Localized)+len(m.Extensions)))
	buf.Write(b[:len(b)-1])
	first := len(b) == 2
	add := func(k string, v []byte) error {
		if isKnownField(k) {
			return nil
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, err := json.Marshal(k)
		if err != nil {
			return err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(v)
		return nil
	}
	for _, k := range sortedKeys(m.Localized) {
		v, err := json.Marshal(m.Localized[k])
		if err != nil {
			return nil, err
		}
		if err := add(k, v); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(m.Extensions) {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m.Extensions[k]); err != nil {
			return nil, err
		}
		if err := add(k, compact.Bytes()); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON decodes a stored or transmitted Metadata leniently, in one
// pass: it is the inverse of MarshalJSON for trusted data. Requests from
// callers go through ParseMetadata, which checks every type.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = Metadata{}
	v := reflect.ValueOf(m).Elem()
	for k, val := range raw {
		if f, ok := fieldIndex[k]; ok {
			if bytes.Equal(val, []byte("null")) {
				continue
			}
			dst := v.Field(f.index)
			if trustedField(dst, f.kind, val) {
				continue
			}
			if err := json.Unmarshal(val, dst.Addr().Interface()); err != nil {
				return fmt.Errorf("metadata member %s: %w", k, err)
			}
			continue
		}
		if isReserved(k) {
			continue
		}
		if base, _, ok := splitLanguageTag(k); ok && isLocalizable(base) {
			if s, ok := unquote(val); ok {
				if m.Localized == nil {
					m.Localized = map[string]string{}
				}
				m.Localized[k] = s
				continue
			}
		}
		if m.Extensions == nil {
			m.Extensions = map[string]json.RawMessage{}
		}
		m.Extensions[k] = val
	}
	return nil
}

// trustedField decodes the common forms of a stored member without
// encoding/json (its per-call setup dominates small values); it returns
// false for anything else, which the caller decodes with json.Unmarshal.
func trustedField(dst reflect.Value, kind fieldKind, raw []byte) bool {
	switch kind {
	case kindString:
		s, ok := unquote(raw)
		if ok {
			dst.SetString(s)
		}
		return ok
	case kindStrings:
		list, ok := unquoteArray(raw)
		if ok {
			dst.Set(reflect.ValueOf(list))
		}
		return ok
	case kindInt:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return false
		}
		dst.Set(reflect.ValueOf(&n))
		return true
	case kindBool:
		var b bool
		switch string(raw) {
		case "true":
			b = true
		case "false":
		default:
			return false
		}
		dst.Set(reflect.ValueOf(&b))
		return true
	}
	return false
}

// unquoteArray decodes a JSON array of strings that is known to be valid
// JSON and written without spaces between elements, as encoding/json
// writes it; ok is false for any other form.
func unquoteArray(raw []byte) ([]string, bool) {
	if len(raw) < 2 || raw[0] != '[' || raw[len(raw)-1] != ']' {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	if len(body) == 0 {
		return []string{}, true
	}
	var out []string
	for len(body) > 0 {
		if body[0] != '"' {
			return nil, false
		}
		// Find the closing quote: the first '"' not escaped by an odd
		// run of backslashes.
		end := -1
		for i := 1; i < len(body); i++ {
			if body[i] == '\\' {
				i++
				continue
			}
			if body[i] == '"' {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, false
		}
		s, ok := unquote(body[:end+1])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		body = body[end+1:]
		if len(body) > 0 {
			if body[0] != ',' {
				return nil, false
			}
			body = body[1:]
			if len(body) == 0 {
				return nil, false
			}
		}
	}
	return out, true
}

// Clone returns a deep copy of m.
func (m Metadata) Clone() Metadata {
	c := m
	c.RedirectURIs = cloneStrings(m.RedirectURIs)
	c.GrantTypes = cloneStrings(m.GrantTypes)
	c.ResponseTypes = cloneStrings(m.ResponseTypes)
	c.Contacts = cloneStrings(m.Contacts)
	c.JWKS = append(json.RawMessage(nil), m.JWKS...)
	if m.JWKS == nil {
		c.JWKS = nil
	}
	c.DefaultMaxAge = clonePtr(m.DefaultMaxAge)
	c.RequireAuthTime = clonePtr(m.RequireAuthTime)
	c.DefaultACRValues = cloneStrings(m.DefaultACRValues)
	c.RequestURIs = cloneStrings(m.RequestURIs)
	c.RequireSignedRequestObject = clonePtr(m.RequireSignedRequestObject)
	c.PostLogoutRedirectURIs = cloneStrings(m.PostLogoutRedirectURIs)
	c.FrontchannelLogoutSessionRequired = clonePtr(m.FrontchannelLogoutSessionRequired)
	c.BackchannelLogoutSessionRequired = clonePtr(m.BackchannelLogoutSessionRequired)
	c.IdentityTokenLifetime = clonePtr(m.IdentityTokenLifetime)
	c.AccessTokenLifetime = clonePtr(m.AccessTokenLifetime)
	c.AuthorizationCodeLifetime = clonePtr(m.AuthorizationCodeLifetime)
	c.AbsoluteRefreshTokenLifetime = clonePtr(m.AbsoluteRefreshTokenLifetime)
	c.SlidingRefreshTokenLifetime = clonePtr(m.SlidingRefreshTokenLifetime)
	c.ConsentLifetime = clonePtr(m.ConsentLifetime)
	c.UpdateAccessTokenClaimsOnRefresh = clonePtr(m.UpdateAccessTokenClaimsOnRefresh)
	c.RequireConsent = clonePtr(m.RequireConsent)
	c.AllowRememberConsent = clonePtr(m.AllowRememberConsent)
	c.AllowedCORSOrigins = cloneStrings(m.AllowedCORSOrigins)
	c.RequireClientSecret = clonePtr(m.RequireClientSecret)
	c.EnableLocalLogin = clonePtr(m.EnableLocalLogin)
	c.IdentityProviderRestrictions = cloneStrings(m.IdentityProviderRestrictions)
	c.CoordinateLifetimeWithUserSession = clonePtr(m.CoordinateLifetimeWithUserSession)
	c.AllowedIdentityTokenSigningAlgorithms = cloneStrings(m.AllowedIdentityTokenSigningAlgorithms)
	if m.Localized != nil {
		c.Localized = make(map[string]string, len(m.Localized))
		for k, v := range m.Localized {
			c.Localized[k] = v
		}
	}
	if m.Extensions != nil {
		c.Extensions = make(map[string]json.RawMessage, len(m.Extensions))
		for k, v := range m.Extensions {
			c.Extensions[k] = append(json.RawMessage(nil), v...)
		}
	}
	return c
}

// Scopes returns the space-separated scope as a list.
func (m Metadata) Scopes() []string { return strings.Fields(m.Scope) }

// HasGrantType reports whether gt is among the grant types.
func (m Metadata) HasGrantType(gt string) bool { return contains(m.GrantTypes, gt) }

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// splitLanguageTag splits "client_name#ja-Jpan-JP" into its base name and
// tag. ok is false when the name has no "#" or an empty part.
func splitLanguageTag(name string) (base, tag string, ok bool) {
	i := strings.IndexByte(name, '#')
	if i <= 0 || i == len(name)-1 {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// localizable are the human-readable members that may carry a language tag
// (RFC 7591 §2.2; OpenID Connect DCR 1.0 §2.1).
var localizable = map[string]bool{
	"client_name": true, "client_uri": true, "logo_uri": true,
	"tos_uri": true, "policy_uri": true,
}

func isLocalizable(base string) bool { return localizable[base] }

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// config is the decoded config block.
type config struct {
	// allowedDomains are lowercase DNS names; a redirect URI's host must be
	// one of them or end with "." + one of them.
	allowedDomains []string
	// maxAccessTokenLifetime bounds access_token_lifetime, in seconds.
	maxAccessTokenLifetime int64
}

// allowedGrants are the only grant types the company allows.
var allowedGrants = []string{sdk.GrantAuthorizationCode, sdk.GrantRefreshToken}

// policy is the company's validator: the built-in steps with three of them
// redefined. Its configuration is replaced as a whole by configure, so a
// request always sees one consistent configuration.
type policy struct {
	sdk.DefaultSteps
	cfg atomic.Pointer[config]
}

var _ sdk.Steps = (*policy)(nil)

// errNotConfigured is a plain error: the server logs it and answers
// server_error. The server always configures a plugin before using it.
var errNotConfigured = errors.New("company-policy: not configured")

// RedirectURIs applies the built-in rules, then requires https and a host
// in the allowed domains. Refusals are invalid_redirect_uri naming the URI.
func (p *policy) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	cfg := p.cfg.Load()
	if cfg == nil {
		return rc, errNotConfigured
	}
	rc, err := p.DefaultSteps.RedirectURIs(ctx, rc)
	if err != nil {
		return rc, err
	}
	for i, raw := range rc.Client.Metadata.RedirectURIs {
		u, err := url.Parse(raw) // the base step accepted it: it parses
		if err != nil {
			return rc, sdk.ErrInvalidRedirectURI.WithDescription("redirect_uris[%d]: is not a valid URI", i)
		}
		if u.Scheme != "https" {
			return rc, sdk.ErrInvalidRedirectURI.WithDescription("redirect_uris[%d]: must use https (company policy)", i)
		}
		if !cfg.domainAllowed(u.Hostname()) {
			return rc, sdk.ErrInvalidRedirectURI.WithDescription("redirect_uris[%d]: host %q is not in an allowed domain (company policy)", i, u.Hostname())
		}
	}
	return rc, nil
}

// domainAllowed reports whether host is an allowed domain or a subdomain of
// one. DNS names are case-insensitive; a trailing dot is the same name.
func (c *config) domainAllowed(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range c.allowedDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// GrantTypes applies the built-in rules, then allows only authorization_code
// and refresh_token. The rule is the same for confidential and public
// (token_endpoint_auth_method "none") clients; the built-in AuthMethod step
// already refuses client_credentials for a public client.
func (p *policy) GrantTypes(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	if p.cfg.Load() == nil {
		return rc, errNotConfigured
	}
	rc, err := p.DefaultSteps.GrantTypes(ctx, rc)
	if err != nil {
		return rc, err
	}
	for _, g := range rc.Client.Metadata.GrantTypes {
		if !slices.Contains(allowedGrants, g) {
			return rc, sdk.ErrInvalidClientMetadata.WithDescription("grant_types: %q is not allowed by company policy (use authorization_code, optionally with refresh_token)", g)
		}
	}
	return rc, nil
}

// Extensions applies the built-in rules, then bounds access_token_lifetime.
// An absent lifetime stays absent: the authorization server's default
// applies.
func (p *policy) Extensions(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	cfg := p.cfg.Load()
	if cfg == nil {
		return rc, errNotConfigured
	}
	rc, err := p.DefaultSteps.Extensions(ctx, rc)
	if err != nil {
		return rc, err
	}
	if lt := rc.Client.Metadata.AccessTokenLifetime; lt != nil && *lt > cfg.maxAccessTokenLifetime {
		return rc, sdk.ErrInvalidClientMetadata.WithDescription("access_token_lifetime: must not exceed %d seconds (company policy)", cfg.maxAccessTokenLifetime)
	}
	return rc, nil
}

// configure decodes and checks the config block, a JSON object:
//
//	{"allowed_domains": ["example.com"], "max_access_token_lifetime": 3600}
//
// Both attributes are required. A rejected value is a *plugin.ConfigError
// naming the attribute, which the server reports at its line in the HCL
// file.
func (p *policy) configure(_ context.Context, raw []byte) error {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return &plugin.ConfigError{Message: "the config block must be an object"}
	}
	for name := range attrs {
		if name != "allowed_domains" && name != "max_access_token_lifetime" {
			return &plugin.ConfigError{Attribute: name, Message: "unknown attribute (this plugin takes allowed_domains and max_access_token_lifetime)"}
		}
	}
	var cfg config

	domains, ok := attrs["allowed_domains"]
	if !ok || isNull(domains) {
		return &plugin.ConfigError{Attribute: "allowed_domains", Message: "required: the DNS names redirect URIs may use, e.g. [\"example.com\"]"}
	}
	var list []string
	if err := json.Unmarshal(domains, &list); err != nil {
		return &plugin.ConfigError{Attribute: "allowed_domains", Message: "must be a list of strings"}
	}
	if len(list) == 0 {
		return &plugin.ConfigError{Attribute: "allowed_domains", Message: "must hold at least one domain"}
	}
	for i, d := range list {
		if why := checkDomain(d); why != "" {
			return &plugin.ConfigError{Attribute: "allowed_domains", Message: fmt.Sprintf("[%d] %q: %s", i, d, why)}
		}
		d = strings.ToLower(d)
		if !slices.Contains(cfg.allowedDomains, d) {
			cfg.allowedDomains = append(cfg.allowedDomains, d)
		}
	}

	lifetime, ok := attrs["max_access_token_lifetime"]
	if !ok || isNull(lifetime) {
		return &plugin.ConfigError{Attribute: "max_access_token_lifetime", Message: "required: the longest access_token_lifetime a client may ask for, in seconds"}
	}
	if err := json.Unmarshal(lifetime, &cfg.maxAccessTokenLifetime); err != nil || cfg.maxAccessTokenLifetime <= 0 {
		return &plugin.ConfigError{Attribute: "max_access_token_lifetime", Message: "must be a positive whole number of seconds"}
	}

	p.cfg.Store(&cfg)
	return nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// checkDomain returns why d is not a DNS name usable as an allowed domain,
// or "".
func checkDomain(d string) string {
	switch {
	case d == "":
		return "must not be empty"
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/:@?#"):
		return "must be a bare DNS name, without scheme, port or path"
	case strings.Contains(d, "*"):
		return "must not contain a wildcard (subdomains are always allowed)"
	case len(d) > 253:
		return "is longer than 253 characters"
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "must be a DNS name, not an IP address"
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "is not a valid DNS name"
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "is not a valid DNS name (use the A-label form of an internationalized name)"
			}
		}
	}
	return ""
}

package main

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/registrar-dcr/registrar/sdk"
)

// config is the plugin's config block, decoded by sdk.DecodeConfig (the
// json tags are the HCL attribute names) and checked by configure.
type config struct {
	// AllowedDomains are lowercase DNS names; a redirect URI's host must be
	// one of them or end with "." + one of them.
	AllowedDomains []string `json:"allowed_domains"`
	// MaxAccessTokenLifetime bounds access_token_lifetime, in seconds.
	MaxAccessTokenLifetime int64 `json:"max_access_token_lifetime"`
}

// allowedGrants are the only grant types the company allows.
var allowedGrants = []string{sdk.GrantAuthorizationCode, sdk.GrantRefreshToken}

// policy is the company's validator: the built-in steps with three of them
// redefined. Its configuration is set by configure, which plugin.Serve runs
// before any step and never during one (plugin.WithConfig), so the steps
// read it without a lock or a not-configured check.
type policy struct {
	sdk.DefaultSteps
	cfg config
}

var _ sdk.Steps = (*policy)(nil)

// RedirectURIs applies the built-in rules, then requires https and a host
// in the allowed domains. Refusals are invalid_redirect_uri naming the URI.
func (p *policy) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	rc, err := p.DefaultSteps.RedirectURIs(ctx, rc)
	if err != nil {
		return rc, err
	}
	for i, raw := range rc.Client.Metadata.RedirectURIs {
		u, err := url.Parse(raw) // the base step accepted it: it parses
		if err != nil {
			return rc, sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: is not a valid URI", i)
		}
		if u.Scheme != "https" {
			return rc, sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: must use https (company policy)", i)
		}
		if !p.cfg.domainAllowed(u.Hostname()) {
			return rc, sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: host %q is not in an allowed domain (company policy)", i, u.Hostname())
		}
	}
	return rc, nil
}

// domainAllowed reports whether host is an allowed domain or a subdomain of
// one. DNS names are case-insensitive; a trailing dot is the same name.
func (c *config) domainAllowed(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range c.AllowedDomains {
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
	rc, err := p.DefaultSteps.GrantTypes(ctx, rc)
	if err != nil {
		return rc, err
	}
	for _, g := range rc.Client.Metadata.GrantTypes {
		if !slices.Contains(allowedGrants, g) {
			return rc, sdk.ErrInvalidClientMetadata().WithDescription("grant_types: %q is not allowed by company policy (use authorization_code, optionally with refresh_token)", g)
		}
	}
	return rc, nil
}

// Extensions applies the built-in rules, then bounds access_token_lifetime.
// An absent lifetime stays absent: the authorization server's default
// applies.
func (p *policy) Extensions(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	rc, err := p.DefaultSteps.Extensions(ctx, rc)
	if err != nil {
		return rc, err
	}
	if lt := rc.Client.Metadata.AccessTokenLifetime; lt != nil && *lt > p.cfg.MaxAccessTokenLifetime {
		return rc, sdk.ErrInvalidClientMetadata().WithDescription("access_token_lifetime: must not exceed %d seconds (company policy)", p.cfg.MaxAccessTokenLifetime)
	}
	return rc, nil
}

// configure checks the decoded config block, a JSON object:
//
//	{"allowed_domains": ["example.com"], "max_access_token_lifetime": 3600}
//
// sdk.DecodeConfig has refused unknown attributes and wrong types; both
// attributes are required. A rejected value is a *sdk.ConfigError naming
// the attribute, which the server reports at its line in the HCL file.
func (p *policy) configure(_ context.Context, c config) error {
	if c.AllowedDomains == nil {
		return &sdk.ConfigError{Attribute: "allowed_domains", Message: "required: the DNS names redirect URIs may use, e.g. [\"example.com\"]"}
	}
	if len(c.AllowedDomains) == 0 {
		return &sdk.ConfigError{Attribute: "allowed_domains", Message: "must hold at least one domain"}
	}
	var domains []string
	for i, d := range c.AllowedDomains {
		if why := checkDomain(d); why != "" {
			return &sdk.ConfigError{Attribute: "allowed_domains", Message: fmt.Sprintf("[%d] %q: %s", i, d, why)}
		}
		d = strings.ToLower(d)
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	c.AllowedDomains = domains
	if c.MaxAccessTokenLifetime <= 0 {
		return &sdk.ConfigError{Attribute: "max_access_token_lifetime", Message: "required: the longest access_token_lifetime a client may ask for, a positive whole number of seconds"}
	}
	p.cfg = c
	return nil
}

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

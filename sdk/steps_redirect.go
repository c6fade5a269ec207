package sdk

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// RedirectURIs checks redirect_uris (RFC 7591 §2, RFC 6749 §3.1.2,
// RFC 9700 §4.1, RFC 8252 §7 and §8.3 for native clients) and sets them on
// the client. Every refusal is ErrInvalidRedirectURI.
//
// At least one URI is required when the accepted grant types include a
// redirection-based grant (authorization_code or implicit, RFC 6749 §3.1.2);
// when they include neither, redirect_uris is refused: no grant would ever
// use the URIs, and the description names the grant types (each URI is
// still checked first, so a dangerous one is named as such). Every URI must
// be an absolute URI of ASCII
// characters without spaces or backslashes, with no fragment, no user
// information and no wildcard; the schemes javascript, data, file, vbscript,
// about, blob, filesystem, ftp, ws, wss and view-source are refused; a URI
// may not be listed twice.
//
// Web clients (application_type "web"): https with a host; outside strict
// mode, http on a loopback host (a local development server, or an MCP
// client that does not declare itself native) or, when
// Policy.AllowHTTPRedirects is set, on any host; no custom schemes. In
// strict mode the host must not be an IP address. A web client using the
// implicit flow (grant type implicit, or a response type that returns a
// token or an ID token from the authorization endpoint) registers only
// https URIs on a host other than localhost and the loopback and
// unspecified addresses, whatever the mode and Policy.AllowHTTPRedirects
// say (OpenID Connect DCR 1.0 §2, application_type): the tokens travel in
// the URI's fragment to whatever listens there.
//
// Native clients (application_type "native"): http only on the loopback IP
// literals 127.0.0.1 and [::1], any port, or on "localhost" outside strict
// mode (RFC 8252 §7.3, §8.3); claimed https URIs must not point at a
// loopback host (RFC 8252 §7.2); private-use schemes are allowed
// (RFC 8252 §7.1) and in strict mode must be reverse domain names
// ("com.example.app:/callback").
func (DefaultSteps) RedirectURIs(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req := rc.Request
	grants := grantTypes(rc)
	if len(req.RedirectURIs) == 0 {
		for _, g := range redirectGrants {
			if contains(grants, g) {
				return rc, redirectErr("redirect_uris", "at least one redirect URI is required for the %s grant type", g)
			}
		}
		rc.Client.Metadata.RedirectURIs = nil
		return rc, nil
	}
	rules := redirectRules{
		appType:  applicationType(rc),
		implicit: usesImplicitFlow(grants, responseTypes(rc)),
	}
	uris, field, why := checkRedirectList("redirect_uris", req.RedirectURIs, rules, rc.Policy)
	if why != "" {
		return rc, redirectErr(field, "%s", why)
	}
	if grants != nil && !usesRedirect(grants) {
		return rc, redirectErr("redirect_uris", "must be omitted: the grant types %s use no redirect URI (only authorization_code and implicit do)", quoteAll(grants))
	}
	rc.Client.Metadata.RedirectURIs = uris
	return rc, nil
}

// redirectGrants are the grant types that send the user agent to a
// redirection endpoint (RFC 6749 §3.1.2, §4.1, §4.2).
var redirectGrants = []string{GrantAuthorizationCode, GrantImplicit}

// usesRedirect reports whether any of grants uses a redirection endpoint.
func usesRedirect(grants []string) bool {
	for _, g := range redirectGrants {
		if contains(grants, g) {
			return true
		}
	}
	return false
}

// usesImplicitFlow reports whether a client returns tokens from the
// authorization endpoint in the redirect URI: the implicit grant type, or
// a response type with "token" or "id_token" (the implicit and hybrid
// flows of OpenID Connect Core §3.2, §3.3).
func usesImplicitFlow(grants, responses []string) bool {
	return contains(grants, GrantImplicit) || anyResponse(responses, hasTokenOrIDToken)
}

// grantTypes is the accepted grant types, falling back to the request's
// when the GrantTypes step was replaced and set none; nil when neither is
// known, in which case no rule that depends on the grant types applies.
func grantTypes(rc RegistrationContext) []string {
	if g := rc.Client.Metadata.GrantTypes; g != nil {
		return g
	}
	return rc.Request.GrantTypes
}

// responseTypes is the accepted response types, falling back to the
// request's when the GrantTypes step was replaced and set none.
func responseTypes(rc RegistrationContext) []string {
	if r := rc.Client.Metadata.ResponseTypes; r != nil {
		return r
	}
	return rc.Request.ResponseTypes
}

// redirectRules are what decides which redirection URIs a client may
// register, beyond the policy.
type redirectRules struct {
	// appType is the client's application_type.
	appType string
	// implicit is true for a web client using the implicit or hybrid flow:
	// https only, never a loopback host (OpenID Connect DCR 1.0 §2).
	implicit bool
}

// checkRedirectList checks a list of redirection URIs sent as member name;
// on failure it returns the offending element ("redirect_uris[2]") and why.
func checkRedirectList(name string, list []string, rules redirectRules, p Policy) (out []string, field, why string) {
	out = make([]string, 0, len(list))
	for i, s := range list {
		field := fmt.Sprintf("%s[%d]", name, i)
		if why := checkRedirectURI(s, rules, p); why != "" {
			return nil, field, why
		}
		for j, prev := range out {
			if prev == s {
				return nil, field, fmt.Sprintf("duplicate of %s[%d]", name, j)
			}
		}
		out = append(out, s)
	}
	return out, "", ""
}

// checkRedirectURI applies the rules of RedirectURIs to one URI and
// returns why it is refused, or "".
func checkRedirectURI(s string, rules redirectRules, p Policy) string {
	u, why := parseAbsURI(s)
	if why != "" {
		return why
	}
	if strings.Contains(s, "#") {
		return "must not contain a fragment"
	}
	if strings.Contains(s, "*") || strings.Contains(u.Host, "*") || strings.Contains(u.Path, "*") {
		return "must not contain a wildcard"
	}
	strict := p.RedirectURIMode == RedirectURIModeStrict
	if rules.appType == ApplicationTypeNative {
		return checkNativeRedirect(u, strict)
	}
	if why := checkWebRedirect(u, p, strict); why != "" {
		return why
	}
	if rules.implicit {
		return checkImplicitRedirect(u)
	}
	return ""
}

// checkImplicitRedirect applies OpenID Connect DCR 1.0 §2 to a web client
// using the implicit flow, on a URI checkWebRedirect accepted: https only
// and never localhost, whatever the policy allows for other web clients.
func checkImplicitRedirect(u *url.URL) string {
	if u.Scheme != "https" {
		return "must use https: web clients using the implicit flow receive tokens in the redirect URI (OpenID Connect DCR 1.0 §2)"
	}
	if isLoopbackHost(u.Hostname()) {
		return "must not use localhost or a loopback address: web clients using the implicit flow receive tokens in the redirect URI (OpenID Connect DCR 1.0 §2)"
	}
	return ""
}

func checkWebRedirect(u *url.URL, p Policy, strict bool) string {
	switch u.Scheme {
	case "https":
	case "http":
		if strict || !(p.AllowHTTPRedirects || isLoopbackHost(u.Hostname())) {
			return "must use https"
		}
	default:
		return "must use https (custom schemes are for native clients)"
	}
	host := u.Hostname()
	if u.Opaque != "" || host == "" {
		return "must have a host"
	}
	if strict {
		if _, err := netip.ParseAddr(host); err == nil {
			return "must use a host name, not an IP address"
		}
	}
	return ""
}

func checkNativeRedirect(u *url.URL, strict bool) string {
	switch u.Scheme {
	case "http":
		host := u.Hostname()
		if u.Opaque != "" || host == "" {
			return "must have a host"
		}
		if isLoopbackLiteral(host) {
			return ""
		}
		if strings.EqualFold(host, "localhost") {
			if strict {
				return "must use the loopback IP literal 127.0.0.1 or [::1], not localhost (RFC 8252 §8.3)"
			}
			return ""
		}
		return "http is allowed for native clients only on the loopback IP literals 127.0.0.1 and [::1] (RFC 8252 §7.3)"
	case "https":
		host := u.Hostname()
		if u.Opaque != "" || host == "" {
			return "must have a host"
		}
		if isLoopbackHost(host) {
			return "a claimed https redirect URI must not use a loopback host (RFC 8252 §7.2)"
		}
		return ""
	default:
		if strict && !strings.Contains(u.Scheme, ".") {
			return "a private-use scheme must be a reverse domain name such as com.example.app (RFC 8252 §7.1)"
		}
		return ""
	}
}

// blockedSchemes can run code, read local data or are no redirection
// targets at all.
var blockedSchemes = map[string]bool{
	"javascript": true, "data": true, "file": true, "vbscript": true, "about": true,
	"blob": true, "filesystem": true, "ftp": true, "ws": true, "wss": true,
	"view-source": true,
}

// parseAbsURI applies the checks every URI member shares: ASCII only, no
// spaces, control characters or backslashes, an absolute URI, no user
// information, not a blocked scheme. It returns the parsed URI or why the
// value is refused.
func parseAbsURI(s string) (*url.URL, string) {
	if s == "" {
		return nil, "must not be empty"
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80:
			return nil, "must contain only ASCII characters (percent-encode the others)"
		case c <= 0x20 || c == 0x7f:
			return nil, "must not contain spaces or control characters"
		case c == '\\':
			return nil, "must not contain a backslash"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, "is not a valid URI"
	}
	if u.Scheme == "" {
		return nil, "must be an absolute URI with a scheme"
	}
	if blockedSchemes[u.Scheme] {
		return nil, fmt.Sprintf("the %s scheme is not allowed", u.Scheme)
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return nil, "must not contain user information"
	}
	return u, ""
}

// checkHTTPURL accepts an absolute https URL with a host (http too when
// allowHTTP), without user information or wildcard host, and without a
// fragment unless allowFragment.
func checkHTTPURL(s string, allowHTTP, allowFragment bool) (*url.URL, string) {
	u, why := parseAbsURI(s)
	if why != "" {
		return nil, why
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case allowHTTP:
		return nil, "must use http or https"
	default:
		return nil, "must use https"
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, "must have a host"
	}
	if strings.Contains(u.Host, "*") {
		return nil, "must not contain a wildcard"
	}
	if !allowFragment && strings.Contains(s, "#") {
		return nil, "must not contain a fragment"
	}
	return u, ""
}

// isLoopbackLiteral reports whether host is exactly 127.0.0.1 or ::1.
func isLoopbackLiteral(host string) bool {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return a == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || a == netip.IPv6Loopback()
}

// isLoopbackHost reports whether host names this machine: localhost or a
// name under .localhost (RFC 6761 §6.3), a loopback or unspecified address.
func isLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return false
	}
	a = a.Unmap()
	return a.IsLoopback() || a.IsUnspecified()
}

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
// At least one URI is required when the accepted grant types include
// authorization_code or implicit; otherwise redirect_uris is optional but
// checked when present. Every URI must be an absolute URI of ASCII
// characters without spaces or backslashes, with no fragment, no user
// information and no wildcard; the schemes javascript, data, file, vbscript,
// about, blob, filesystem, ftp, ws, wss and view-source are refused; a URI
// may not be listed twice.
//
// Web clients (application_type "web"): https with a host; outside strict
// mode, http on a loopback host (a local development server, or an MCP
// client that does not declare itself native) or, when
// Policy.AllowHTTPRedirects is set, on any host; no custom schemes. In strict mode the host must not be an IP address.
//
// Native clients (application_type "native"): http only on the loopback IP
// literals 127.0.0.1 and [::1], any port, or on "localhost" outside strict
// mode (RFC 8252 §7.3, §8.3); claimed https URIs must not point at a
// loopback host (RFC 8252 §7.2); private-use schemes are allowed
// (RFC 8252 §7.1) and in strict mode must be reverse domain names
// ("com.example.app:/callback").
func (DefaultSteps) RedirectURIs(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req := rc.Request
	grants := rc.Client.Metadata.GrantTypes
	if len(req.RedirectURIs) == 0 {
		for _, g := range []string{GrantAuthorizationCode, GrantImplicit} {
			if contains(grants, g) {
				return rc, redirectErr("redirect_uris", "at least one redirect URI is required for the %s grant type", g)
			}
		}
		rc.Client.Metadata.RedirectURIs = nil
		return rc, nil
	}
	uris, field, why := checkRedirectList("redirect_uris", req.RedirectURIs, applicationType(rc), rc.Policy)
	if why != "" {
		return rc, redirectErr(field, "%s", why)
	}
	rc.Client.Metadata.RedirectURIs = uris
	return rc, nil
}

// checkRedirectList checks a list of redirection URIs sent as member name;
// on failure it returns the offending element ("redirect_uris[2]") and why.
func checkRedirectList(name string, list []string, appType string, p Policy) (out []string, field, why string) {
	out = make([]string, 0, len(list))
	for i, s := range list {
		field := fmt.Sprintf("%s[%d]", name, i)
		if why := checkRedirectURI(s, appType, p); why != "" {
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
func checkRedirectURI(s, appType string, p Policy) string {
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
	if appType == ApplicationTypeNative {
		return checkNativeRedirect(u, strict)
	}
	return checkWebRedirect(u, p, strict)
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

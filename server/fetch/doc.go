// Package fetch is Registrar's one hardened outbound HTTP fetcher (DESIGN
// §4): every URL the server dereferences — a client's jwks_uri and
// sector_identifier_uri (RFC 7591 §2, OpenID Connect Registration §5), an
// authority's OpenID discovery document and JWKS, a software-statement
// issuer's JWKS (RFC 7591 §2.3) — is fetched through a *Fetcher. Those URLs
// come from untrusted callers, so the fetcher defends against SSRF: https
// only, loopback, private, link-local and other non-public addresses refused
// at dial time on every resolved address (so a name that resolves or rebinds
// to 127.0.0.1 is refused too), no proxies from the environment, no
// redirects, only status 200, a total time limit and a body size limit that
// is an error rather than a truncation. Bodies are cached per URL for a
// bounded time in a bounded LRU, concurrent fetches of one URL are
// collapsed into one request, and Refresh, the bypass for a JWKS that lacks
// a key id, is rate-limited per URL. Failures are *Error values whose
// message is short and safe to show the caller (it never contains a
// response body or an address the caller did not send) and which match the
// Err* kinds with errors.Is.
package fetch

// Package auth decides who may register (RFC 7591 §3) and checks what
// callers assert: it maps the credential a caller presents on the
// registration endpoint to a registration profile, or refuses it with the
// RFC 6750 §3.1 answer, and it verifies software statements.
//
// A request without a credential is anonymous and is accepted only when a
// profile opts in to open registration. A bearer token that looks like a
// JWT, when some profile accepts bearer JWTs, is verified against the
// authority of the profile whose issuer it names (BearerVerifier: keys from
// the authority's JWKS, RFC 9068 claims, the required scope). Any other
// bearer token is an initial access token: compared in constant time with
// every static token of the configuration, then looked up by its SHA-256
// hash among the tokens issued with IssueToken, whose expiry, revocation
// and use count apply; Principal.Consume counts the use atomically when
// the registration is about to be stored. A token is read from the
// Authorization header only, never from the body or the query.
//
// SoftwareStatementVerifier verifies software statements (RFC 7591 §2.3)
// against trusted issuers and their keys, with replay protection through
// the store. KeySet holds an issuer's keys, inline or fetched.
package auth

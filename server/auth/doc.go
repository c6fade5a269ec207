// Package auth decides who may register (RFC 7591 §3): it maps the
// credential a caller presents on the registration endpoint to a
// registration profile, or refuses it with the RFC 6750 §3.1 answer.
//
// A request without a credential is anonymous and is accepted only when a
// profile opts in to open registration. A bearer token is compared, in
// constant time, with every static initial access token of every profile;
// the token that matches names the profile. A token is read from the
// Authorization header only, never from the body or the query (RFC 6750
// §2.1 is the only method Registrar accepts).
package auth

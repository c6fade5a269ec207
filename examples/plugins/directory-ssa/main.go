// Command directory-ssa is a Registrar validator plugin for a software
// directory (Open Banking, FAPI, UDAP style): a client registers with a
// software statement (RFC 7591 §2.3) that the directory signed, and what
// the client may register is bounded by that statement. It is an example of
// a plugin written by a third party: it imports only the Registrar SDK,
// golang-jwt/jwt/v5, go-jose/v4 (for the JWK Set) and the standard library.
//
// The plugin is the whole validator of its profile, used instead of the
// built-in "rfc" one (validators = ["directory-ssa"]): it embeds
// sdk.DefaultSteps, so every built-in rule applies, and redefines three
// steps:
//
//   - SoftwareStatement: the request must carry a software_statement, a JWT
//     signed by the directory (an asymmetric algorithm from algorithms, a
//     key of jwks; never "none" nor HMAC), issued by issuer, with exp, with
//     an iat not in the future and a software_id. Its claims then apply
//     exactly as the built-in step applies verified claims: a claim named
//     like a metadata member (software_id, client_name, ...) replaces the
//     request's value.
//   - RedirectURIs: every redirect URI must be listed in the statement's
//     software_redirect_uris claim; a request without redirect_uris gets
//     that list.
//   - Scopes: every scope the client asks for must belong to one of the
//     statement's software_roles, as role_scopes maps roles to scopes. The
//     profile's default_scope, applied when the client asks for none, is the
//     operator's choice and is not bounded by the roles.
//
// Errors: a missing, malformed, badly signed, expired or not yet valid
// statement is invalid_software_statement; a statement from another issuer
// is unapproved_software_statement; a redirect URI outside the statement is
// invalid_redirect_uri; a scope outside the roles is invalid_client_metadata.
//
// Configuration, in the plugin's config block:
//
//	plugin "directory-ssa" {
//	  path   = "bin/plugins/directory-ssa"
//	  sha256 = "..."
//	  config {
//	    issuer     = "https://directory.example"
//	    jwks       = file("directory-jwks.json") # or an inline object: { keys = [ {...} ] }
//	    algorithms = ["ES256", "PS256"]
//	    role_scopes = {
//	      AISP = ["openid", "accounts"]
//	      PISP = ["openid", "payments"]
//	    }
//	  }
//	}
//
// Build it with
//
//	go build -o bin/plugins/directory-ssa ./examples/plugins/directory-ssa
package main

import "github.com/registrar-dcr/registrar/sdk/plugin"

func main() {
	d := &directory{}
	plugin.Serve(&plugin.ServeConfig{Steps: d}, plugin.WithConfig(d.configure))
}

// Command company-policy is a Registrar validator plugin that adds a
// company's registration rules to the built-in RFC 7591 ones. It is an
// example of a plugin written by a third party: it imports only the
// Registrar SDK and the standard library.
//
// The policy embeds sdk.DefaultSteps and redefines three steps, each of
// which first calls the embedded step as its base, so every built-in rule
// still applies:
//
//   - RedirectURIs: every redirect URI must use https and its host must be
//     one of allowed_domains or a subdomain of one;
//   - GrantTypes: only authorization_code, optionally with refresh_token,
//     for confidential and public clients alike (client_credentials,
//     implicit, password, device code, ... are refused);
//   - Extensions: access_token_lifetime may not exceed
//     max_access_token_lifetime seconds.
//
// Its configuration is the plugin's config block in the server's HCL file:
//
//	plugin "company-policy" {
//	  path   = "bin/plugins/company-policy"
//	  sha256 = "..."
//	  config {
//	    allowed_domains           = ["example.com", "apps.example.org"]
//	    max_access_token_lifetime = 3600
//	  }
//	}
//
// Build it with
//
//	go build -o bin/plugins/company-policy ./examples/plugins/company-policy
package main

import "github.com/registrar-dcr/registrar/sdk/plugin"

func main() {
	p := &policy{}
	plugin.Serve(&plugin.ServeConfig{Steps: p}, plugin.WithConfig(p.configure), plugin.WithGCPercent(400))
}

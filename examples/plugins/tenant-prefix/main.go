// Command tenant-prefix is a Registrar processor plugin that gives every
// client_id a per-tenant prefix, "acme." followed by 43 random characters,
// so that an authorization server shared by several tenants can route and
// audit clients by their id. It is an example of a plugin written by a
// third party: it imports only the Registrar SDK and the standard library.
//
// The tenant is a claim of the caller's bearer JWT (claim, default
// "tenant"): a string of 1 to 32 characters a-z, 0-9 and "-". A caller
// without the claim (an initial access token, an anonymous caller) gets
// default_tenant; without a default_tenant such a caller is refused. A
// caller whose claim is not a valid tenant name is refused with
// access_denied (403).
//
// Otherwise it is the built-in processor, sdk.DefaultProcessor with a
// ClientID hook, so it issues credentials exactly as the server does
// (RFC 7591 §3.2.1, RFC 7592 §3): on create a client secret only for the
// secret-based auth methods, expiring after the profile's client_secret_lifetime, and a
// registration access token, both kept as SHA-256 hashes; on update the
// identity and the secret are kept (a new secret is issued when the current
// one has expired, RFC 7592 §2.2) and the registration access token is
// rotated unless the profile's rotation is "never"; on read the token is
// rotated only under "on_every_use". It holds no secret encryption key, so
// it refuses client_secret_jwt, whose secret the authorization server must
// be able to recover.
//
// Configuration, in the plugin's config block (both optional):
//
//	plugin "tenant-prefix" {
//	  path   = "bin/plugins/tenant-prefix"
//	  sha256 = "..."
//	  config {
//	    claim          = "tenant"
//	    default_tenant = "public"
//	  }
//	}
//
// Build it with
//
//	go build -o bin/plugins/tenant-prefix ./examples/plugins/tenant-prefix
package main

import "github.com/registrar-dcr/registrar/sdk/plugin"

func main() {
	p := &processor{}
	plugin.Serve(&plugin.ServeConfig{Processor: p}, plugin.WithConfig(p.configure))
}

// Command extra-field is a Registrar response generator plugin that adds
// one member to the client information response (RFC 7591 §3.2.1,
// RFC 7592 §2.1):
//
//	"registrar_example": {"profile": "default", "docs": "https://docs.example.com/dcr"}
//
// profile is the registration profile the client belongs to, docs the
// docs_url of the plugin's configuration (omitted when not configured). It
// is an example of a plugin written by a third party: it imports only the
// Registrar SDK and the standard library.
//
// Everything else is sdk.DefaultResponseGenerator's answer, byte for byte:
// the status (201 create, 200 read and update), every standard member, and
// the empty 204 of a delete (RFC 7592 §2.3). If the client registered an
// extension member of the same name (a profile with keep_unknown_metadata),
// the client's member is kept and none is added, so that the answer never
// holds a name twice.
//
// Configuration, in the plugin's config block:
//
//	plugin "extra-field" {
//	  path   = "bin/plugins/extra-field"
//	  sha256 = "..."
//	  config {
//	    docs_url = "https://docs.example.com/dcr"
//	  }
//	}
//
// Build it with
//
//	go build -o bin/plugins/extra-field ./examples/plugins/extra-field
package main

import "github.com/registrar-dcr/registrar/sdk/plugin"

func main() {
	g := &generator{}
	plugin.Serve(&plugin.ServeConfig{Response: g}, plugin.WithConfig(g.configure))
}

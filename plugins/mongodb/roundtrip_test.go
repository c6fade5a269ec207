package main

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/registrar-dcr/registrar/internal/roundtrip"
	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// TestAcceptedBodiesStayReadable is the property of issue 9 item 2 on the
// MongoDB store (this plugin, on an embedded FerretDB), as
// server/app's test of the same name runs it on the built-in stores: for
// any body the server accepts, the stored record decodes, GET returns it,
// and PUT of what GET returned succeeds and changes nothing; then DELETE
// removes it. `registrar serve` runs as a subprocess (built from the
// workspace, as TestEndToEnd does) on a real listener, with this plugin as
// its store over the real plugin wire, so this module's tests need nothing
// of the server module but its binary.
func TestAcceptedBodiesStayReadable(t *testing.T) {
	db := ferrettest.New(t)
	plug := pluginBinary(t)
	s, addr := newRegistrarServer(t)
	text := fmt.Sprintf(`
server {
  listen          = %q
  public_base_url = "https://registrar.example.com"
}
rate_limit {
  enabled = false
}
plugin "mongodb" {
  path    = %q
  sha256  = %q
  timeout = "5s"
  config {
    uri      = %q
    database = "roundtrip"
  }
}
store "plugin" {
  plugin = "mongodb"
}
profile "open" {
  authentication {
    anonymous = true
  }
%s
}
`, addr, plug, plugintest.SHA256(t, plug), db.URI(), roundtrip.ProfilePolicy)
	if err := os.WriteFile(s.config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})

	bodies := roundtrip.Corpus(t, 60, "server/app/testdata/fuzz/FuzzLifecycle", "sdk/testdata/fuzz/FuzzMetadataRoundTrip")
	roundtrip.Property(t, roundtrip.Client{HTTP: http.DefaultClient, URL: s.url}, bodies, len(bodies)/2)
}

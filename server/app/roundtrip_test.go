package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/roundtrip"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
)

// roundtripConfig is a server with an anonymous profile of
// roundtrip.ProfilePolicy and the given store (and plugin) blocks.
func roundtripConfig(store string) string {
	return fmt.Sprintf(`
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
}
rate_limit {
  enabled = false
}
%s
profile "open" {
  authentication {
    anonymous = true
  }
%s
}
`, store, roundtrip.ProfilePolicy)
}

// roundtripFuzzDirs are the committed corpora of the fuzz targets whose
// inputs are registration bodies: the property tests check them too.
var roundtripFuzzDirs = []string{
	"server/app/testdata/fuzz/FuzzLifecycle",
	"sdk/testdata/fuzz/FuzzMetadataRoundTrip",
}

// TestAcceptedBodiesStayReadable is the property of issue 9 item 2 on the
// built-in stores (memory also with the other token rotations), over a
// real listener: for any body the server accepts, as a registration or as
// an update, the stored record decodes, GET returns it, and PUT of what
// GET returned succeeds and changes nothing; then DELETE removes it. The
// bodies are the README's and the golden files' plus bounded variations
// of them and the committed fuzz inputs (see internal/roundtrip). The
// MongoDB store runs the same property in plugins/mongodb.
func TestAcceptedBodiesStayReadable(t *testing.T) {
	bodies := roundtrip.Corpus(t, 120, roundtripFuzzDirs...)
	stores := []struct {
		name   string
		store  func(t *testing.T) string
		policy string // added to the policy block
	}{
		{name: "memory", store: memoryStore},
		{name: "memory_rotation_on_every_use", store: memoryStore, policy: `registration_token_rotation = "on_every_use"`},
		{name: "memory_rotation_never", store: memoryStore, policy: `registration_token_rotation = "never"`},
		{name: "sqlite", store: func(*testing.T) string { return `store "sqlite" { path = "registrar.db" }` }},
		{name: "sqlite_over_plugin_wire", store: func(t *testing.T) string {
			bin := plugintest.Build(t, "github.com/registrar-dcr/registrar/server/stores/sqlite/internal/sqliteplugin")
			return fmt.Sprintf(`
plugin "sqlite-wire" {
  path   = %q
  sha256 = %q
  config {
    path = %q
  }
}
store "plugin" {
  plugin = "sqlite-wire"
}`, bin, plugintest.SHA256(t, bin), filepath.Join(t.TempDir(), "registrar.db"))
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			text := strings.Replace(roundtripConfig(st.store(t)), "keep_unknown_metadata       = true",
				"keep_unknown_metadata       = true\n    "+st.policy, 1)
			s, err := startServerWith(t, text)
			if err != nil {
				t.Fatal(err)
			}
			roundtrip.Property(t, roundtrip.Client{HTTP: http.DefaultClient, URL: s.url}, bodies, len(bodies)/2)
		})
	}
}

func memoryStore(*testing.T) string { return `store "memory" {}` }

// FuzzLifecycle sends a body through the real HTTP handler on SQLite (a
// temporary directory), as a registration or (asUpdate) as the RFC 7592
// update of a registered client, and, when it is accepted, reads, updates
// with what the read returned, and deletes the client: any 5xx, malformed
// answer or mismatch fails (roundtrip.Client.Lifecycle, UpdateLifecycle).
// The seeds are the README's bodies, the golden answers' and a few
// variations of them; `make fuzz` runs it.
func FuzzLifecycle(f *testing.F) {
	seeds := roundtrip.Seeds(f)
	for _, b := range append(seeds, roundtrip.Variations(seeds, 24, 1)...) {
		f.Add(b, false)
		f.Add(b, true)
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "config.hcl")
	text := roundtripConfig(`store "sqlite" { path = "registrar.db" }`)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		f.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		f.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	a, err := app.New(context.Background(), cfg, hclog.NewNullLogger())
	if err != nil {
		f.Fatal(config.FormatDiagnostics(err))
	}
	f.Cleanup(func() { a.Close() })
	c := roundtrip.Client{HTTP: roundtrip.HandlerClient(a.Handler()), URL: "http://registrar.test"}
	f.Fuzz(func(t *testing.T, body []byte, asUpdate bool) {
		var err error
		if asUpdate {
			_, err = c.UpdateLifecycle(roundtrip.Base, body)
		} else {
			_, err = c.Lifecycle(body)
		}
		if err != nil {
			t.Fatalf("body %q (update %v):\n%v", body, asUpdate, err)
		}
	})
}

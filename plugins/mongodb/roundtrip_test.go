package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/roundtrip"
	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/app"
	regconfig "github.com/registrar-dcr/registrar/server/config"
)

// TestAcceptedBodiesStayReadable is the property of issue 9 item 2 on the
// MongoDB store (this plugin, on an embedded FerretDB), as
// server/app's test of the same name runs it on the built-in stores: for
// any body the server accepts, the stored record decodes, GET returns it,
// and PUT of what GET returned succeeds and changes nothing; then DELETE
// removes it. The server runs in the test process on a real listener,
// with this plugin as its store over the real plugin wire.
func TestAcceptedBodiesStayReadable(t *testing.T) {
	db := ferrettest.New(t)
	plug := pluginBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "config.hcl")
	text := fmt.Sprintf(`
server {
  listen          = "127.0.0.1:0"
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
`, plug, plugintest.SHA256(t, plug), db.URI(), roundtrip.ProfilePolicy)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := regconfig.Load(path)
	if err != nil {
		t.Fatalf("config: %s", regconfig.FormatDiagnostics(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testlog.Buffer{}
	a, err := app.New(ctx, cfg, hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: logs}))
	if err != nil {
		cancel()
		t.Fatal(regconfig.FormatDiagnostics(err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	bodies := roundtrip.Corpus(t, 60, "server/app/testdata/fuzz/FuzzLifecycle", "sdk/testdata/fuzz/FuzzMetadataRoundTrip")
	roundtrip.Property(t, roundtrip.Client{HTTP: http.DefaultClient, URL: "http://" + ln.Addr().String()}, bodies, len(bodies)/2)
}

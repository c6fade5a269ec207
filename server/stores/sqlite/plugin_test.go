package sqlite_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/sdk/storetest"
)

// TestConformanceOverPluginWire runs the store conformance suite against
// the SQLite store served by a plugin subprocess (real go-plugin handshake,
// checksum pinned, AutoMTLS), one process per case.
func TestConformanceOverPluginWire(t *testing.T) {
	bin := plugintest.Build(t, "./internal/sqliteplugin")
	storetest.Run(t, func(t *testing.T) sdk.Store {
		cfg, _ := json.Marshal(map[string]string{"path": filepath.Join(t.TempDir(), "registrar.db")})
		in := plugintest.Start(t, bin, plugintest.WithConfig(cfg))
		s, err := in.Store()
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

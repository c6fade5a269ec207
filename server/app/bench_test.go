package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/loadtest"
)

// BenchmarkRegister measures one registration through the whole handler
// (gin, pipeline, built-in validator and processor, SQLite), without the
// network. All requests come from one address, so the per-IP rate limit
// is off.
func BenchmarkRegister(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(e2eConfig+"rate_limit {\n  enabled = false\n}\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Setenv("E2E_INITIAL_ACCESS_TOKEN", initialToken)
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(config.FormatDiagnostics(err))
	}
	a, err := app.New(context.Background(), cfg, hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	h := a.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/connect/dcr", bytes.NewReader(loadtest.Body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+initialToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

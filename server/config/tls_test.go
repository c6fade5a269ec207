package config

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/internal/testcerts"
)

// TestServerTLS: the tls block of the server names a certificate and key
// that load as a pair (relative paths are relative to the file) and a
// min_version; the default public base URL becomes https. Each mistake is
// one diagnostic naming the problem.
func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	ca := testcerts.NewCA(t)
	ca.WriteLeaf(t, 1, filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	other, _ := ca.Leaf(t, 2)
	testcerts.Write(t, filepath.Join(dir, "other.crt"), other)

	tests := []struct {
		name    string
		block   string
		wantMin uint16
		wantErr string
	}{
		{name: "relative paths, default version", block: `cert_file = "tls.crt"
    key_file = "tls.key"`, wantMin: tls.VersionTLS12},
		{name: "TLS 1.3 only", block: `cert_file = "tls.crt"
    key_file = "tls.key"
    min_version = "1.3"`, wantMin: tls.VersionTLS13},
		{name: "missing key_file", block: `cert_file = "tls.crt"`, wantErr: "Missing key_file"},
		{name: "unknown version", block: `cert_file = "tls.crt"
    key_file = "tls.key"
    min_version = "1.1"`, wantErr: `min_version must be "1.2" or "1.3"; got "1.1"`},
		{name: "key of another certificate", block: `cert_file = "other.crt"
    key_file = "tls.key"`, wantErr: "do not load as a certificate and its key"},
		{name: "no such file", block: `cert_file = "missing.crt"
    key_file = "tls.key"`, wantErr: "do not load as a certificate and its key"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := fmt.Sprintf(`server {
  listen = "127.0.0.1:8443"
  tls {
    %s
  }
}
store "memory" {}
profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types                 = ["authorization_code"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["none"]
    scopes                      = ["openid"]
    default_scope               = "openid"
  }
}
`, tt.block)
			path := filepath.Join(dir, fmt.Sprintf("config%d.hcl", i))
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(FormatDiagnostics(err), tt.wantErr) {
					t.Fatalf("Load = %v, want an error with %q", FormatDiagnostics(err), tt.wantErr)
				}
				if n := len(diagnostics(t, err)); n != 1 {
					t.Fatalf("%d diagnostics, want 1:\n%s", n, FormatDiagnostics(err))
				}
				return
			}
			if err != nil {
				t.Fatal(FormatDiagnostics(err))
			}
			tc := cfg.Server.TLS
			if tc == nil || tc.CertFile != filepath.Join(dir, "tls.crt") || tc.KeyFile != filepath.Join(dir, "tls.key") || tc.MinVersion != tt.wantMin {
				t.Fatalf("TLS = %+v", tc)
			}
			if cfg.Server.PublicBaseURL != "https://127.0.0.1:8443" {
				t.Errorf("default public_base_url %q, want https", cfg.Server.PublicBaseURL)
			}
		})
	}
}

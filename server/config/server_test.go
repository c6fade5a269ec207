package config

import (
	"strings"
	"testing"
)

// TestOverrideListen: the serve flags -listen and -public-base-url replace
// the file's values, checked as the attributes are; a new listen alone
// moves the public base URL with it.
func TestOverrideListen(t *testing.T) {
	const (
		fileListen = "127.0.0.1:8080"
		fileBase   = "https://dcr.example.com"
	)
	tests := []struct {
		name, listen, base   string
		wantListen, wantBase string
		wantErr              string // substring; "" for success
	}{
		{name: "nothing", wantListen: fileListen, wantBase: fileBase},
		{name: "listen_moves_base", listen: "127.0.0.1:9090", wantListen: "127.0.0.1:9090", wantBase: "http://127.0.0.1:9090"},
		{name: "wildcard_listen", listen: ":9090", wantListen: ":9090", wantBase: "http://localhost:9090"},
		{name: "ipv6_listen", listen: "[::1]:9090", wantListen: "[::1]:9090", wantBase: "http://[::1]:9090"},
		{name: "base_only", base: "https://other.example.com/", wantListen: fileListen, wantBase: "https://other.example.com"},
		{name: "both", listen: "0.0.0.0:9443", base: "https://dcr.example.org", wantListen: "0.0.0.0:9443", wantBase: "https://dcr.example.org"},
		{name: "bad_listen", listen: "9090", wantErr: `listen: must be host:port, such as "127.0.0.1:8080" or ":8080"; got "9090".`},
		{name: "bad_port", listen: "127.0.0.1:99999", wantErr: "listen: the port must be a number from 0 to 65535"},
		{name: "bad_base", listen: "127.0.0.1:9090", base: "ftp://x", wantErr: `public base URL: must be an absolute http or https URL; got "ftp://x"`},
		{name: "base_with_query", base: "https://x.example?a=1", wantErr: "public base URL: must not have a query or a fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Server{Listen: fileListen, PublicBaseURL: fileBase}
			err := s.OverrideListen(tt.listen, tt.base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if s.Listen != fileListen || s.PublicBaseURL != fileBase {
					t.Errorf("after an error: %q %q, want unchanged", s.Listen, s.PublicBaseURL)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Listen != tt.wantListen || s.PublicBaseURL != tt.wantBase {
				t.Errorf("Listen, PublicBaseURL = %q, %q; want %q, %q", s.Listen, s.PublicBaseURL, tt.wantListen, tt.wantBase)
			}
		})
	}
}

package config

import (
	"strings"
	"testing"
)

// TestOverrideListen: the serve flags -listen and -public-base-url replace
// the file's values, checked as the attributes are; a new listen alone
// moves the public base URL with it only when the file left it at its
// default for the file's listen, and keeps (and reports) one the file chose,
// such as the https URL of a TLS proxy.
func TestOverrideListen(t *testing.T) {
	const (
		fileListen  = "127.0.0.1:8080"
		fileBase    = "https://dcr.example.com"
		defaultBase = "http://127.0.0.1:8080" // baseURLFromListen(fileListen)
	)
	tests := []struct {
		name, fileBase, listen, base string
		wantListen, wantBase         string
		wantKept                     bool
		wantErr                      string // substring; "" for success
	}{
		{name: "nothing", fileBase: fileBase, wantListen: fileListen, wantBase: fileBase},
		{name: "listen_keeps_chosen_base", fileBase: fileBase, listen: "127.0.0.1:9090",
			wantListen: "127.0.0.1:9090", wantBase: fileBase, wantKept: true},
		{name: "listen_keeps_chosen_http_base", fileBase: "http://localhost:8080", listen: "127.0.0.1:9090",
			wantListen: "127.0.0.1:9090", wantBase: "http://localhost:8080", wantKept: true},
		{name: "listen_moves_default_base", fileBase: defaultBase, listen: "127.0.0.1:9090",
			wantListen: "127.0.0.1:9090", wantBase: "http://127.0.0.1:9090"},
		{name: "wildcard_listen", fileBase: defaultBase, listen: ":9090", wantListen: ":9090", wantBase: "http://localhost:9090"},
		{name: "ipv6_listen", fileBase: defaultBase, listen: "[::1]:9090", wantListen: "[::1]:9090", wantBase: "http://[::1]:9090"},
		{name: "base_only", fileBase: fileBase, base: "https://other.example.com/", wantListen: fileListen, wantBase: "https://other.example.com"},
		{name: "both", fileBase: fileBase, listen: "0.0.0.0:9443", base: "https://dcr.example.org",
			wantListen: "0.0.0.0:9443", wantBase: "https://dcr.example.org"},
		{name: "both_default_base", fileBase: defaultBase, listen: "0.0.0.0:9443", base: "https://dcr.example.org",
			wantListen: "0.0.0.0:9443", wantBase: "https://dcr.example.org"},
		{name: "bad_listen", fileBase: fileBase, listen: "9090", wantErr: `listen: must be host:port, such as "127.0.0.1:8080" or ":8080"; got "9090".`},
		{name: "bad_port", fileBase: fileBase, listen: "127.0.0.1:99999", wantErr: "listen: the port must be a number from 0 to 65535"},
		{name: "bad_base", fileBase: fileBase, listen: "127.0.0.1:9090", base: "ftp://x", wantErr: `public base URL: must be an absolute http or https URL; got "ftp://x"`},
		{name: "base_with_query", fileBase: fileBase, base: "https://x.example?a=1", wantErr: "public base URL: must not have a query or a fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Server{Listen: fileListen, PublicBaseURL: tt.fileBase}
			kept, err := s.OverrideListen(tt.listen, tt.base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if s.Listen != fileListen || s.PublicBaseURL != tt.fileBase {
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
			if kept != tt.wantKept {
				t.Errorf("kept = %v, want %v", kept, tt.wantKept)
			}
		})
	}
}

// TestOverrideListenAfterLoad: a file without public_base_url, and the
// shipped config.hcl (which spells out the default), follow -listen; a
// file naming its proxy's URL keeps it.
func TestOverrideListenAfterLoad(t *testing.T) {
	tests := []struct {
		name, server string
		wantBase     string
		wantKept     bool
	}{
		{name: "unset", server: `listen = "127.0.0.1:8080"`, wantBase: "http://127.0.0.1:9090"},
		{name: "set_to_default", server: `listen = "127.0.0.1:8080"
  public_base_url = "http://127.0.0.1:8080/"`, wantBase: "http://127.0.0.1:9090"},
		{name: "wildcard_default", server: `listen = ":8080"
  public_base_url = "http://localhost:8080"`, wantBase: "http://127.0.0.1:9090"},
		{name: "behind_tls_proxy", server: `listen = "127.0.0.1:8080"
  public_base_url = "https://dcr.example.com"`, wantBase: "https://dcr.example.com", wantKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte("server {\n  "+tt.server+"\n}\n"+overrideProfile), "test.hcl")
			if err != nil {
				t.Fatal(err)
			}
			s := c.Server
			kept, err := s.OverrideListen("127.0.0.1:9090", "")
			if err != nil {
				t.Fatal(err)
			}
			if s.PublicBaseURL != tt.wantBase || kept != tt.wantKept {
				t.Errorf("PublicBaseURL, kept = %q, %v; want %q, %v", s.PublicBaseURL, kept, tt.wantBase, tt.wantKept)
			}
		})
	}
}

const overrideProfile = `store "memory" {}
profile "default" {
  authentication {
    anonymous = true
  }
}
`

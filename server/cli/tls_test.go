package cli_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/internal/testcerts"
	"github.com/registrar-dcr/registrar/internal/testlog"
)

// TestServeTLSReloadsOnSIGHUP: `registrar serve` with a tls block serves
// https, and after the certificate files are replaced, SIGHUP makes new
// connections get the new certificate without a restart.
func TestServeTLSReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	ca := testcerts.NewCA(t)
	ca.WriteLeaf(t, 1, certFile, keyFile)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := fmt.Sprintf(`server {
  listen = %q
  tls {
    cert_file = "tls.crt"
    key_file  = "tls.key"
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
`, addr)
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-config", path)
	logs := &testlog.Buffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	serial := func() (int64, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 2 * time.Second}).Get("https://" + addr + "/healthz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64(), nil
	}
	var s int64
	for range 200 {
		if s, err = serial(); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s != 1 {
		t.Fatalf("serial %d (%v), want 1:\n%s", s, err, logs.String())
	}
	ca.WriteLeaf(t, 2, certFile, keyFile)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s, err = serial(); err == nil && s == 2 {
			return
		}
	}
	t.Fatalf("after SIGHUP: serial %d (%v), want 2:\n%s", s, err, logs.String())
}

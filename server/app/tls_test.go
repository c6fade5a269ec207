package app_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testcerts"
	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
)

// TestTLSRotationUnderLoad serves over TLS with a certificate of a
// generated CA: HTTP/2 is negotiated, TLS below min_version is refused,
// and a certificate rotated on the files and reloaded (as on SIGHUP) is
// served to new connections while requests keep running on the open ones,
// none of them failing.
func TestTLSRotationUnderLoad(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	ca := testcerts.NewCA(t)
	ca.WriteLeaf(t, 1, certFile, keyFile)
	cfgText := fmt.Sprintf(`
server {
  listen = "127.0.0.1:0"
  tls {
    cert_file   = %q
    key_file    = %q
    min_version = "1.3"
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
`, certFile, keyFile)
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	logs := &testlog.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	if err != nil {
		cancel()
		t.Fatal(config.FormatDiagnostics(err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	url := "https://" + ln.Addr().String() + "/healthz"

	// serialOf opens a new connection and returns the certificate's serial
	// and the protocol negotiated.
	serialOf := func() (int64, string) {
		t.Helper()
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64(), resp.Proto
	}
	if s, proto := serialOf(); s != 1 || proto != "HTTP/2.0" {
		t.Fatalf("serial %d over %s, want 1 over HTTP/2.0", s, proto)
	}
	old := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool, MaxVersion: tls.VersionTLS12}}
	if _, err := (&http.Client{Transport: old, Timeout: 5 * time.Second}).Get(url); err == nil {
		t.Fatal("TLS 1.2 accepted with min_version 1.3")
	}

	// Load: 8 clients, each on its own connection, until stopped.
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}, ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(url)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					if err == nil {
						resp.Body.Close()
					}
					continue
				}
				resp.Body.Close()
				ok.Add(1)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	ca.WriteLeaf(t, 2, certFile, keyFile)
	if err := a.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if s, _ := serialOf(); s != 2 {
		t.Fatalf("after the reload a new connection got serial %d, want 2", s)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || ok.Load() < 50 {
		t.Fatalf("under load during the rotation: %d requests failed, %d succeeded", failed.Load(), ok.Load())
	}

	// A broken pair is refused and the previous certificate stays.
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.ReloadTLS(); err == nil {
		t.Fatal("a broken pair was loaded")
	}
	if s, _ := serialOf(); s != 2 {
		t.Fatalf("after a failed reload: serial %d, want 2", s)
	}
}

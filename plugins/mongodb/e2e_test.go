package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

const e2eToken = "mongodb-e2e-initial-access-token-0123456789"

// registrarServer is `registrar serve` running as a subprocess with the
// mongodb plugin as its store.
type registrarServer struct {
	t      *testing.T
	binary string
	config string
	url    string
	cmd    *exec.Cmd
	logs   testlog.Buffer
}

func (s *registrarServer) start() {
	s.t.Helper()
	s.logs.Reset()
	s.cmd = exec.Command(s.binary, "serve", "-config", s.config)
	s.cmd.Env = []string{"E2E_TOKEN=" + e2eToken}
	s.cmd.Stderr = &s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	s.t.Fatalf("registrar did not become ready:\n%s", s.logs.String())
}

func (s *registrarServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

func (s *registrarServer) do(method, path, token string, body any) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// newRegistrarServer builds `registrar serve` from the workspace and picks
// a free loopback address for it; the caller writes s.config and starts it.
func newRegistrarServer(t *testing.T) (s *registrarServer, addr string) {
	t.Helper()
	s = &registrarServer{t: t, binary: plugintest.Build(t, "github.com/registrar-dcr/registrar/server/cmd/registrar")}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	s.url = "http://" + addr
	s.config = filepath.Join(t.TempDir(), "config.hcl")
	return s, addr
}

// TestEndToEnd runs `registrar serve` with the mongodb plugin as its store
// against an embedded FerretDB: the RFC 7591/7592 lifecycle over HTTP; a
// restart of the server that loses nothing; a database outage answered
// 503 (never 401 or 404), then recovery without restarting anything.
func TestEndToEnd(t *testing.T) {
	db := ferrettest.New(t)
	plug := pluginBinary(t)
	s, addr := newRegistrarServer(t)
	cfg := fmt.Sprintf(`
server {
  listen = %q
}
plugin "mongodb" {
  path    = %q
  sha256  = %q
  timeout = "3s"
  config {
    uri               = %q
    database          = "e2e"
    operation_timeout = "1s"
    connect_timeout   = "1s"
  }
}
store "plugin" {
  plugin = "mongodb"
}
profile "default" {
  authentication {
    initial_access_token "e2e" {
      token = env("E2E_TOKEN")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "none"]
    scopes                      = ["openid", "profile"]
    default_scope               = "openid"
  }
}
`, addr, plug, plugintest.SHA256(t, plug), db.URI())
	if err := os.WriteFile(s.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	defer s.stop()

	status, created := s.do("POST", "/connect/dcr", e2eToken, map[string]any{
		"client_name": "on mongodb", "redirect_uris": []string{"https://app.example.com/cb"},
	})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v\n%s", status, created, s.logs.String())
	}
	id, rat := created["client_id"].(string), created["registration_access_token"].(string)
	path := "/connect/dcr/" + id
	if status, _ := s.do("GET", path, rat, nil); status != http.StatusOK {
		t.Fatalf("read: %d", status)
	}
	status, updated := s.do("PUT", path, rat, map[string]any{
		"client_id": id, "client_name": "renamed", "redirect_uris": []string{"https://app.example.com/cb"},
	})
	if status != http.StatusOK || updated["client_name"] != "renamed" {
		t.Fatalf("update: %d %v", status, updated)
	}
	rat = updated["registration_access_token"].(string)

	// Restart the server: the client is still there.
	s.stop()
	s.start()
	status, read := s.do("GET", path, rat, nil)
	if status != http.StatusOK || read["client_name"] != "renamed" {
		t.Fatalf("read after restart: %d %v", status, read)
	}

	// The database goes away: 503, never 401 or 404.
	db.Stop()
	status, body := s.do("GET", path, rat, nil)
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Fatalf("read during the outage: %d %v", status, body)
	}
	if status, _ := s.do("POST", "/connect/dcr", e2eToken, map[string]any{"redirect_uris": []string{"https://app.example.com/cb"}}); status != http.StatusServiceUnavailable {
		t.Fatalf("create during the outage: %d", status)
	}
	// /readyz serves a check's result for a second (httpapi
	// Options.ReadyFresh), so the 200 of start may still answer at first.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(s.url + "/readyz")
		if err != nil {
			t.Fatalf("readyz during the outage: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz during the outage: %d, want 503", resp.StatusCode)
		}
	}

	// It comes back: service resumes without a restart of anything else.
	db.Restart()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, _ = s.do("GET", path, rat, nil)
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database returned: last status %d\n%s", status, s.logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status, _ := s.do("DELETE", path, rat, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := s.do("GET", path, rat, nil); status != http.StatusUnauthorized {
		t.Fatalf("read after delete: %d", status)
	}
	if strings.Contains(s.logs.String(), rat) || strings.Contains(s.logs.String(), e2eToken) {
		t.Error("a token appears in the server log")
	}
}

package cli_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the registrar command built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registrar-cli-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "registrar")
	build := exec.Command("go", "build", "-o", binary, "../cmd/registrar")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build registrar: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

const validConfig = `server {
  listen = "%s"
}
store "memory" {}
profile "default" {
  authentication {
    initial_access_token "t" {
      token = env("CLI_TOKEN")
    }
  }
  policy {
    grant_types    = ["authorization_code"]
    response_types = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic"]
    scopes         = ["openid"]
    default_scope  = "openid"
  }
}
`

const tokenEnv = "CLI_TOKEN=cli-test-initial-access-token-0123456789"

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		env      []string
		wantCode int
		wantOut  string // substring of stdout+stderr; "%s" is the file path
	}{
		{name: "valid", config: fmt.Sprintf(validConfig, "127.0.0.1:8080"), env: []string{tokenEnv}, wantCode: 0, wantOut: "configuration is valid"},
		{name: "unset_env", config: fmt.Sprintf(validConfig, "127.0.0.1:8080"), wantCode: 1, wantOut: "%s:8,"},
		{name: "unknown_attribute", config: "server {\n  listne = \"x\"\n}\n", wantCode: 1, wantOut: "%s:2,"},
		{name: "unknown_block", config: "servr {}\n", wantCode: 1, wantOut: "%s:1,"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.config)
			out, errOut, code := run(t, tc.env, "check", "-config", path)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			want := tc.wantOut
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, path)
			}
			if !strings.Contains(out+errOut, want) {
				t.Errorf("output does not contain %q:\n%s%s", want, out, errOut)
			}
		})
	}
}

func TestVersionAndUsage(t *testing.T) {
	out, _, code := run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "registrar ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	_, errOut, code := run(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	out, _, code = run(t, nil, "token", "generate")
	if tok := strings.TrimSpace(out); code != 0 || len(tok) != 43 {
		t.Errorf("token generate: exit %d, %q", code, out)
	}
}

// TestServeGracefulShutdown starts the real binary, waits until it is
// ready, sends SIGTERM and expects a clean exit.
func TestServeGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	path := writeConfig(t, fmt.Sprintf(validConfig, addr))
	cmd := exec.Command(binary, "serve", "-config", path)
	cmd.Env = []string{tokenEnv}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := false
	for i := 0; i < 100 && !ready; i++ {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("server never became ready:\n%s", logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server did not stop within 10s of SIGTERM")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", logs.String())
	}
}

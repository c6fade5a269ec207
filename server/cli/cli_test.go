package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/registrar-dcr/registrar/internal/testlog"
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

// stubPlugin is the content of the plugin executable "p" that
// pluginConfig refers to; check never runs it.
const stubPlugin = "#!/bin/sh\nexit 1\n"

// pluginConfig is validConfig (on 127.0.0.1:8080) after a plugin block
// "p" on lines 1-4 whose path is "p", beside the file, with the attributes
// attrs on line 3.
func pluginConfig(attrs string) string {
	return "plugin \"p\" {\n  path = \"p\"\n  " + attrs + "\n}\n" + fmt.Sprintf(validConfig, "127.0.0.1:8080")
}

// upstreamConfig is pluginConfig("dev_mode = true") followed by an upstream
// "plugin" block whose first attribute line, upstreamLine, holds attrs.
func upstreamConfig(attrs string) string {
	return pluginConfig("dev_mode = true") + "upstream \"plugin\" {\n  " + attrs + "\n}\n"
}

// upstreamLine is the line of the first attribute of upstreamConfig's
// block.
var upstreamLine = strings.Count(pluginConfig("dev_mode = true"), "\n") + 2

func TestCheck(t *testing.T) {
	sum := sha256.Sum256([]byte(stubPlugin))
	good, wrong := hex.EncodeToString(sum[:]), strings.Repeat("ab", 32)
	tests := []struct {
		name     string
		config   string // "": no file at all
		stub     bool   // write the executable "p" beside the file
		env      []string
		wantCode int
		wantOut  []string // substrings of stdout+stderr; "%s" is the file path
		wantNot  string   // not in stdout+stderr, when set
	}{
		{name: "valid", config: fmt.Sprintf(validConfig, "127.0.0.1:8080"), env: []string{tokenEnv}, wantCode: 0, wantOut: []string{"configuration is valid"}},
		{name: "unset_env", config: fmt.Sprintf(validConfig, "127.0.0.1:8080"), wantCode: 1, wantOut: []string{"%s:8,"}},
		{name: "unknown_attribute", config: "server {\n  listne = \"x\"\n}\n", wantCode: 1, wantOut: []string{"%s:2,"}},
		{name: "unknown_block", config: "servr {}\n", wantCode: 1, wantOut: []string{"%s:1,"}},
		{name: "missing_file", wantCode: 1,
			wantOut: []string{"%s: Cannot read configuration file; no such file or directory.\n"}, wantNot: "1,1-1"},
		{name: "plugin_checksum_matches", config: pluginConfig(fmt.Sprintf("sha256 = %q", good)), stub: true, env: []string{tokenEnv},
			wantCode: 0, wantOut: []string{"configuration is valid"}},
		{name: "plugin_checksum_wrong", config: pluginConfig(fmt.Sprintf("sha256 = %q", wrong)), stub: true, env: []string{tokenEnv},
			wantCode: 1, wantOut: []string{`%s:3,12-78: Plugin checksum mismatch; plugin "p": the SHA-256 checksum of`, "is " + good + ", not the pinned " + wrong}, wantNot: "configuration is valid"},
		{name: "plugin_checksum_wrong_optional", config: pluginConfig(fmt.Sprintf("sha256 = %q\n  optional = true", wrong)), stub: true, env: []string{tokenEnv},
			wantCode: 0, wantOut: []string{`Warning: %s:3,12-78: Plugin checksum mismatch; plugin "p"`, "configuration is valid"}},
		{name: "plugin_path_missing", config: pluginConfig(fmt.Sprintf("sha256 = %q", good)), env: []string{tokenEnv},
			wantCode: 1, wantOut: []string{`%s:2,10-13: Invalid plugin path; plugin "p": cannot use`, "no such file or directory"}},
		{name: "plugin_dev_mode", config: pluginConfig("dev_mode = true"), stub: true, env: []string{tokenEnv},
			wantCode: 0, wantOut: []string{`Warning: %s:1,1-11: Plugin in dev_mode; plugin "p": dev_mode = true`, "configuration is valid"}},
		{name: "upstream_valid", config: upstreamConfig(`plugin = "p"`), stub: true, env: []string{tokenEnv},
			wantCode: 0, wantOut: []string{"configuration is valid"}},
		{name: "upstream_unknown_plugin", config: upstreamConfig(`plugin = "hydra"`), stub: true, env: []string{tokenEnv},
			wantCode: 1, wantOut: []string{fmt.Sprintf(`%%s:%d,12-19: Unknown plugin; plugin: no plugin named "hydra" is defined (the plugins are "p")`, upstreamLine)}},
		{name: "upstream_negative_grace", config: upstreamConfig(`plugin = "p"` + "\n  reconcile_grace = \"-1s\""), stub: true, env: []string{tokenEnv},
			wantCode: 1, wantOut: []string{fmt.Sprintf(`%%s:%d,21-26: Invalid duration; reconcile_grace must not be negative`, upstreamLine+1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			if tc.config == "" {
				path = filepath.Join(t.TempDir(), "config.hcl")
			} else {
				path = writeConfig(t, tc.config)
			}
			if tc.stub {
				if err := os.WriteFile(filepath.Join(filepath.Dir(path), "p"), []byte(stubPlugin), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, code := run(t, tc.env, "check", "-config", path)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			for _, want := range tc.wantOut {
				if strings.Contains(want, "%s") {
					want = fmt.Sprintf(want, path)
				}
				if !strings.Contains(out+errOut, want) {
					t.Errorf("output does not contain %q:\n%s%s", want, out, errOut)
				}
			}
			if tc.wantNot != "" && strings.Contains(out+errOut, tc.wantNot) {
				t.Errorf("output contains %q:\n%s%s", tc.wantNot, out, errOut)
			}
			// Each stream is whole lines: a shell prompt after it starts
			// on a line of its own.
			for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
				if s != "" && !strings.HasSuffix(s, "\n") {
					t.Errorf("%s does not end with a newline: %q", name, s)
				}
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

// TestServePluginChecks: serve says what check says about plugin
// executables before starting any. A plugin in dev_mode is a warning in
// the log at start (here an optional one, so serve runs although the stub
// cannot start); a wrong checksum stops serve with the sha256 line.
func TestServePluginChecks(t *testing.T) {
	t.Run("dev_mode_warning", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		src := "plugin \"p\" {\n  path = \"p\"\n  dev_mode = true\n  optional = true\n}\n" + fmt.Sprintf(validConfig, addr)
		path := writeConfig(t, src)
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), "p"), []byte(stubPlugin), 0o700); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binary, "serve", "-config", path)
		cmd.Env = []string{tokenEnv}
		logs := &testlog.Buffer{}
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
		want := fmt.Sprintf(`[WARN]  registrar: Plugin in dev_mode: at="%s:1,1-11" detail="plugin \"p\": dev_mode = true: the executable runs without a pinned checksum`, path)
		for range 200 {
			if strings.Contains(logs.String(), want) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no %q in the log:\n%s", want, logs.String())
	})
	t.Run("wrong_checksum", func(t *testing.T) {
		path := writeConfig(t, pluginConfig(fmt.Sprintf("sha256 = %q", strings.Repeat("ab", 32))))
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), "p"), []byte(stubPlugin), 0o700); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, []string{tokenEnv}, "serve", "-config", path)
		if want := fmt.Sprintf(`%s:3,12-78: Plugin checksum mismatch; plugin "p"`, path); code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, want 1 and %q in:\n%s", code, want, errOut)
		}
	})
}

// TestServeListenOverride: serve -listen runs on another address than the
// file's, and registration_client_uri follows it when the file left
// public_base_url at its default, keeps the file's own public_base_url (a
// TLS proxy's) otherwise, or names -public-base-url when given; the log
// says which; a bad value is a usage error.
func TestServeListenOverride(t *testing.T) {
	path := writeConfig(t, fmt.Sprintf(validConfig, "127.0.0.1:1")) // the file's address is never used
	proxied := writeConfig(t, strings.Replace(fmt.Sprintf(validConfig, "127.0.0.1:1"),
		"server {\n", "server {\n  public_base_url = \"https://dcr.example.com\"\n", 1))
	token := strings.TrimPrefix(tokenEnv, "CLI_TOKEN=")
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	tests := []struct {
		name     string
		config   string // "": path
		base     string // -public-base-url; "" for none
		wantBase string // "": http:// + the -listen address
		wantLog  string // in the log
	}{
		{name: "listen", wantLog: "[INFO]  registrar: public_base_url follows -listen"},
		{name: "listen_and_base", base: "https://dcr.example.com/", wantBase: "https://dcr.example.com"},
		{name: "listen_keeps_configured_base", config: proxied, wantBase: "https://dcr.example.com",
			wantLog: "[WARN]  registrar: -listen keeps the configured public_base_url; registration_client_uri names it (-public-base-url changes it): listen=127.0.0.1:"},
		{name: "listen_and_base_over_configured", config: proxied, base: "https://other.example.com", wantBase: "https://other.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := free()
			config := path
			if tt.config != "" {
				config = tt.config
			}
			args := []string{"serve", "-config", config, "-listen", addr}
			if tt.base != "" {
				args = append(args, "-public-base-url", tt.base)
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = []string{tokenEnv}
			logs := &testlog.Buffer{}
			cmd.Stderr = logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cmd.Process.Kill()
				cmd.Wait()
			}()
			ready := false
			for i := 0; i < 200 && !ready; i++ {
				if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
					resp.Body.Close()
					ready = resp.StatusCode == http.StatusOK
				}
				if !ready {
					time.Sleep(50 * time.Millisecond)
				}
			}
			if !ready {
				t.Fatalf("server never became ready on %s:\n%s", addr, logs.String())
			}
			code, m, _ := register(t, "http://"+addr, token, `{"redirect_uris": ["https://app.example.com/cb"]}`)
			if code != http.StatusCreated {
				t.Fatalf("register: %d %v", code, m)
			}
			want := tt.wantBase
			if want == "" {
				want = "http://" + addr
			}
			if uri, _ := m["registration_client_uri"].(string); uri != want+"/connect/dcr/"+m["client_id"].(string) {
				t.Errorf("registration_client_uri = %q, want %s/connect/dcr/{client_id}", uri, want)
			}
			if !strings.Contains(logs.String(), tt.wantLog) || !strings.Contains(logs.String(), "public_base_url="+want) {
				t.Errorf("log lacks %q and public_base_url=%s:\n%s", tt.wantLog, want, logs.String())
			}
		})
	}
	for _, bad := range [][]string{{"-listen", "8080"}, {"-public-base-url", "ftp://x"}} {
		_, errOut, code := run(t, []string{tokenEnv}, append([]string{"serve", "-config", path}, bad...)...)
		if code != 2 || !strings.Contains(errOut, "registrar serve: ") || !strings.HasSuffix(errOut, "\n") {
			t.Errorf("serve %q: exit %d, %q; want 2 and a message", bad, code, errOut)
		}
	}
}

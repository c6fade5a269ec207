package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/registrar-dcr/registrar/internal/hydratest"
	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// binaries are the executables the tests run, built once per test binary
// by TestMain.
var binaries struct {
	registrar, hydraPlugin, hydraSum, testPlugin, testSum string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registrar-e2e-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		build := func(pkg string) (string, error) {
			out := filepath.Join(dir, filepath.Base(pkg))
			cmd := exec.Command("go", "build", "-o", out, pkg)
			if b, err := cmd.CombinedOutput(); err != nil {
				return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
			}
			return out, nil
		}
		for _, b := range []struct {
			pkg string
			out *string
		}{
			{"github.com/registrar-dcr/registrar/server/cmd/registrar", &binaries.registrar},
			{"github.com/registrar-dcr/registrar/plugins/hydra", &binaries.hydraPlugin},
			{"github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin", &binaries.testPlugin},
		} {
			path, err := build(b.pkg)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			*b.out = path
		}
		return m.Run()
	}()
	os.Exit(code)
}

// sum is the sha256 pin of a plugin executable.
func sum(t *testing.T, path string) string { return plugintest.SHA256(t, path) }

// adminProxy stands in front of Hydra's admin API as an operator's would:
// https with its own CA, a bearer token required. A test can take it down
// (every request refused at the connection) or act when Hydra answered a
// write, before the answer goes back (to kill Registrar between its two
// writes).
type adminProxy struct {
	URL    string
	CAFile string
	Token  string

	srv *httptest.Server
	mu  sync.Mutex
	// down closes every connection without an answer.
	down bool
	// afterWrite runs when Hydra answered a request with a body-changing
	// method, before the answer is passed on.
	afterWrite func(method, path string, status int)
	// writes counts the write requests that reached Hydra.
	writes int
}

func newAdminProxy(t *testing.T, h *hydratest.Server) *adminProxy {
	t.Helper()
	target, err := url.Parse(h.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &adminProxy{Token: "hydra-admin-token-" + t.Name()}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{Proxy: nil}
	rp.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return nil
		}
		p.mu.Lock()
		p.writes++
		hook := p.afterWrite
		p.mu.Unlock()
		if hook != nil {
			hook(r.Method, r.URL.Path, resp.StatusCode)
		}
		return nil
	}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+p.Token {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	p.CAFile = filepath.Join(t.TempDir(), "admin-ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	if err := os.WriteFile(p.CAFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *adminProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

func (p *adminProxy) onWrite(f func(method, path string, status int)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.afterWrite = f
}

// registrar is `registrar serve` as a subprocess, with its configuration
// file and SQLite database in a temporary directory.
type registrar struct {
	t      *testing.T
	URL    string
	config string
	db     string
	env    []string
	cmd    *exec.Cmd
	exited chan struct{}
	logs   testlog.Buffer
}

// options of a test's Registrar.
type setup struct {
	// policy lines added to the profile's policy block.
	policy string
	// store replaces the SQLite store block.
	store string
	// extra is added at the top level (more plugin blocks).
	extra string
	// upstream is the upstream block; the default provisions into the
	// hydra plugin.
	upstream string
}

// newRegistrar writes the configuration of a Registrar on a free loopback
// port that provisions into Hydra through proxy; it does not start it.
func newRegistrar(t *testing.T, proxy *adminProxy, s setup) *registrar {
	t.Helper()
	var a registrarAddr
	a.pick(t)
	return newRegistrarAt(t, proxy, s, a.addr)
}

// newRegistrarAt is newRegistrar on the loopback address addr.
func newRegistrarAt(t *testing.T, proxy *adminProxy, s setup, addr string) *registrar {
	t.Helper()
	dir := t.TempDir()
	r := &registrar{t: t, URL: "http://" + addr, config: filepath.Join(dir, "config.hcl"), db: filepath.Join(dir, "registrar.db")}
	r.env = []string{"HYDRA_ADMIN_TOKEN=" + proxy.Token}
	store := s.store
	if store == "" {
		store = `store "sqlite" { path = "registrar.db" }`
	}
	upstream := s.upstream
	if upstream == "" {
		upstream = `upstream "plugin" { plugin = "hydra" }`
	}
	cfg := fmt.Sprintf(`
server {
  listen          = %q
  public_base_url = %q
}
log {
  level = "debug"
}
%s
plugin "hydra" {
  path    = %q
  sha256  = %q
  timeout = "5s"
  env     = {}
  config {
    admin_url   = %q
    admin_token = env("HYDRA_ADMIN_TOKEN")
    ca_file     = %q
    owner       = "registrar-e2e"
  }
}
%s
%s
profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types                   = ["authorization_code", "refresh_token", "client_credentials"]
    response_types                = ["code"]
    token_endpoint_auth_methods   = ["client_secret_basic", "client_secret_post", "none"]
    scopes                        = ["openid", "offline_access", "api"]
    default_scope                 = "openid"
    infer_native_application_type = true
%s
  }
}
`, addr, r.URL, store, binaries.hydraPlugin, sum(t, binaries.hydraPlugin), proxy.URL, proxy.CAFile, s.extra, upstream, s.policy)
	if err := os.WriteFile(r.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	return r
}

// start runs `registrar serve` and waits until it listens.
func (r *registrar) start() {
	r.t.Helper()
	r.cmd = exec.Command(binaries.registrar, "serve", "-config", r.config)
	r.cmd.Env = r.env
	r.cmd.Stdout = &r.logs
	r.cmd.Stderr = &r.logs
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(r.cmd, r.exited)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-r.exited:
			r.t.Fatalf("registrar serve exited:\n%s", r.logs.String())
		default:
		}
		if resp, err := http.Get(r.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("registrar did not start:\n%s", r.logs.String())
}

// kill ends the server at once (SIGKILL), as a crash would.
func (r *registrar) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.exited
	r.cmd = nil
}

// stop ends the server gracefully (SIGTERM).
func (r *registrar) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	r.cmd = nil
}

// answer is an HTTP answer of Registrar.
type answer struct {
	Status int
	Header http.Header
	Body   map[string]any
	Err    error // the request failed (Registrar was killed)
}

func (a answer) str(key string) string {
	s, _ := a.Body[key].(string)
	return s
}

// do sends a JSON request; token is the bearer token ("" for none).
func (r *registrar) do(method, path, token string, body any) answer {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			r.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{Err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.Body); err != nil {
			r.t.Fatalf("%s %s: status %d, body not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return a
}

// register creates a client and fails the test unless the answer is 201.
func (r *registrar) register(body map[string]any) answer {
	r.t.Helper()
	a := r.do(http.MethodPost, "/connect/dcr", "", body)
	if a.Status != http.StatusCreated {
		r.t.Fatalf("register: %d %v %v\n%s", a.Status, a.Body, a.Err, r.logs.String())
	}
	return a
}

// update sends the RFC 7592 PUT of a registration.
func (r *registrar) update(reg answer, body map[string]any) answer {
	r.t.Helper()
	body["client_id"] = reg.str("client_id")
	return r.do(http.MethodPut, "/connect/dcr/"+url.PathEscape(reg.str("client_id")), reg.str("registration_access_token"), body)
}

// delete sends the RFC 7592 DELETE of a registration.
func (r *registrar) delete(reg answer) answer {
	r.t.Helper()
	return r.do(http.MethodDelete, "/connect/dcr/"+url.PathEscape(reg.str("client_id")), reg.str("registration_access_token"), nil)
}

// read sends the RFC 7592 GET of a registration.
func (r *registrar) read(reg answer) answer {
	r.t.Helper()
	return r.do(http.MethodGet, "/connect/dcr/"+url.PathEscape(reg.str("client_id")), reg.str("registration_access_token"), nil)
}

// storedClients counts the clients in Registrar's SQLite database.
func (r *registrar) storedClients() int {
	r.t.Helper()
	db, err := sql.Open("sqlite", "file:"+r.db+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM clients`).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// cli runs a registrar subcommand on this server's configuration and
// returns its combined output and exit code.
func (r *registrar) cli(args ...string) (string, int) {
	r.t.Helper()
	cmd := exec.Command(binaries.registrar, args...)
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	return string(out), code
}

// hydraClients lists the ids of every client Hydra holds.
func hydraClients(t *testing.T, h *hydratest.Server) []string {
	t.Helper()
	resp, err := http.Get(h.AdminURL + "/admin/clients?page_size=500")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.ClientID)
	}
	return ids
}

// hydraHas reports whether Hydra holds client id.
func hydraHas(t *testing.T, h *hydratest.Server, id string) bool {
	t.Helper()
	_, ok, err := h.Client(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// noSecretsLogged fails the test when a log holds one of the secrets.
func noSecretsLogged(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("a secret or token reached Registrar's log: %.8s…", s)
		}
	}
}

package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/internal/hydratest"
)

// binaries builds bin/registrar and the hydra plugin once per test binary.
var binaries = sync.OnceValues(func() (map[string]string, error) {
	dir, err := os.MkdirTemp("", "registrar-loadtest-*")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, pkg := range map[string]string{
		"registrar": "github.com/registrar-dcr/registrar/server/cmd/registrar",
		"hydra":     "github.com/registrar-dcr/registrar/plugins/hydra",
	} {
		out[name] = filepath.Join(dir, name)
		if b, err := exec.Command("go", "build", "-o", out[name], pkg).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	return out, nil
})

// recorder stands in front of Hydra's admin API and keeps the body of
// every POST /admin/clients that Hydra answered 201 (even when its caller
// went away meanwhile).
type recorder struct {
	URL    string
	mu     sync.Mutex
	bodies [][]byte
}

type bodyKey struct{}

func newRecorder(t *testing.T, adminURL string) *recorder {
	t.Helper()
	target, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{Proxy: nil}
	rp.ErrorLog = log.New(io.Discard, "", 0) // a run ends with requests cut short
	rp.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		if req.Method == http.MethodPost && req.URL.Path == "/admin/clients" && resp.StatusCode == http.StatusCreated {
			r.mu.Lock()
			r.bodies = append(r.bodies, req.Context().Value(bodyKey{}).([]byte))
			r.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req = req.WithContext(context.WithValue(req.Context(), bodyKey{}, body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// take returns the bodies recorded since the last call.
func (r *recorder) take() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bodies
	r.bodies = nil
	return b
}

// hydraClients counts the clients of owner in Hydra, following its
// pagination (Link rel="next").
func hydraClients(t *testing.T, adminURL, owner string) int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	next := adminURL + "/admin/clients?page_size=500&owner=" + url.QueryEscape(owner)
	n := 0
	for next != "" {
		resp, err := client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var page []json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("list %s: %d %v", next, resp.StatusCode, err)
		}
		n += len(page)
		next = ""
		for _, link := range resp.Header.Values("Link") {
			for _, l := range strings.Split(link, ",") {
				if target, rest, ok := strings.Cut(strings.TrimSpace(l), ">;"); ok && strings.Contains(rest, `rel="next"`) {
					next = adminURL + strings.TrimPrefix(target, "<")
				}
			}
		}
	}
	return n
}

// credentialsOut decodes a Hydra client body and takes its client_id and
// client_secret out of it.
func credentialsOut(t *testing.T, body []byte) (rest map[string]any, id, secret string) {
	t.Helper()
	if err := json.Unmarshal(body, &rest); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	id, _ = rest["client_id"].(string)
	secret, _ = rest["client_secret"].(string)
	delete(rest, "client_id")
	delete(rest, "client_secret")
	return rest, id, secret
}

// TestScenarios runs each scenario of registrar-load for a moment against
// real servers: the SQLite store; Registrar provisioning every client into
// a real Hydra through the hydra plugin (plugin-upstream); and Hydra's own
// create rate (RunHydra). Each run must complete without an error, the
// Hydra runs must leave one client at Hydra per registration, and
// hydra-direct must send Hydra what the plugin sends for the same
// registration, but for a client_id and client_secret of the same form,
// fresh for each request.
func TestScenarios(t *testing.T) {
	bins, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	h := hydratest.Start(t)
	rec := newRecorder(t, h.AdminURL)
	const (
		concurrency = 2
		duration    = 500 * time.Millisecond
	)
	served := func(t *testing.T, scenario, pluginPath, pluginConfig string) Result {
		cfg, err := Config(scenario, pluginPath, pluginConfig)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := StartServer(context.Background(), bins["registrar"], cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		res, err := Run(context.Background(), srv.URL, srv.Token, concurrency, duration, 100000)
		if err != nil {
			t.Fatalf("%s: %v", res, err)
		}
		return res
	}
	// The plugin's bodies, as recorded in the plugin-upstream case.
	var pluginBodies [][]byte

	for _, tc := range []struct {
		name string
		// owner is the Hydra owner of the clients the run creates; ""
		// when it does not reach Hydra.
		owner string
		run   func(t *testing.T) Result
		// check looks at the bodies Hydra received.
		check func(t *testing.T, bodies [][]byte)
	}{
		{
			name: "sqlite",
			run:  func(t *testing.T) Result { return served(t, "sqlite", "", "") },
		},
		{
			name:  "plugin-upstream",
			owner: "registrar-load",
			run: func(t *testing.T) Result {
				return served(t, "plugin-upstream", bins["hydra"],
					fmt.Sprintf("admin_url = %q\n    owner = \"registrar-load\"", rec.URL))
			},
			check: func(t *testing.T, bodies [][]byte) { pluginBodies = bodies },
		},
		{
			name:  "hydra-direct",
			owner: "registrar-load-direct",
			run: func(t *testing.T) Result {
				res, err := RunHydra(context.Background(), rec.URL, "registrar-load-direct", concurrency, duration, 100000)
				if err != nil {
					t.Fatalf("%s: %v", res, err)
				}
				return res
			},
			check: func(t *testing.T, bodies [][]byte) {
				if len(pluginBodies) == 0 {
					t.Fatal("no body of the plugin to compare with (plugin-upstream failed)")
				}
				want, pluginID, pluginSecret := credentialsOut(t, pluginBodies[0])
				want["owner"] = "registrar-load-direct"
				want["metadata"].(map[string]any)["registrar"].(map[string]any)["owner"] = "registrar-load-direct"
				ids, secrets := map[string]bool{}, map[string]bool{}
				for i, b := range bodies {
					got, id, secret := credentialsOut(t, b)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("body %d is not the plugin's:\ngot  %v\nwant %v", i, got, want)
					}
					if len(id) != len(pluginID) || len(secret) != len(pluginSecret) || ids[id] || secrets[secret] {
						t.Fatalf("body %d: client_id or client_secret not fresh, or not of the plugin's form (%d and %d characters)",
							i, len(pluginID), len(pluginSecret))
					}
					ids[id], secrets[secret] = true, true
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.take()
			res := tc.run(t)
			t.Log(res)
			ok := res.Requests - res.Errors
			if res.Errors != 0 || ok == 0 {
				t.Fatalf("%d requests, %d errors", res.Requests, res.Errors)
			}
			bodies := rec.take()
			if tc.owner == "" {
				if len(bodies) != 0 {
					t.Fatalf("%d clients written to Hydra", len(bodies))
				}
				return
			}
			// A request the run cut short at its end (at most one per
			// worker) may have reached Hydra all the same, and Registrar
			// may then have deleted it there again (its caller gone, the
			// store write failed, the create is compensated).
			n := hydraClients(t, h.AdminURL, tc.owner)
			if n < ok || n > ok+concurrency || len(bodies) < ok || len(bodies) > ok+concurrency {
				t.Fatalf("Hydra holds %d clients of %s and answered %d creates with 201, want %d to %d of each",
					n, tc.owner, len(bodies), ok, ok+concurrency)
			}
			tc.check(t, bodies)
		})
	}
}

func TestNewHydraConn(t *testing.T) {
	for _, tc := range []struct {
		name, adminURL, wantLine string
		wantErr                  bool
	}{
		{name: "admin port", adminURL: "http://127.0.0.1:4445", wantLine: "POST /admin/clients HTTP/1.1"},
		{name: "trailing slash", adminURL: "http://127.0.0.1:4445/", wantLine: "POST /admin/clients HTTP/1.1"},
		{name: "prefix", adminURL: "http://proxy.internal/hydra", wantLine: "POST /hydra/admin/clients HTTP/1.1"},
		{name: "https", adminURL: "https://127.0.0.1:4445", wantErr: true},
		{name: "empty", adminURL: "", wantErr: true},
		{name: "query", adminURL: "http://127.0.0.1:4445?a=b", wantErr: true},
		{name: "user information", adminURL: "http://u:p@127.0.0.1:4445", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newHydraConn(tc.adminURL, "registrar-load")
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for i := 0; i < 3; i++ {
				c := c.clone()
				if err := c.next(c.req); err != nil {
					t.Fatal(err)
				}
				head, body, _ := bytes.Cut(c.req, []byte("\r\n\r\n"))
				if line, _, _ := strings.Cut(string(head), "\r\n"); line != tc.wantLine {
					t.Fatalf("request line %q, want %q", line, tc.wantLine)
				}
				if !strings.Contains(string(head), fmt.Sprintf("\r\nContent-Length: %d", len(body))) {
					t.Fatalf("Content-Length is not the body's %d: %q", len(body), head)
				}
				var got hydraClient
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if len(got.ClientID) != tokenLen || len(got.ClientSecret) != tokenLen || seen[got.ClientID] || seen[got.ClientSecret] {
					t.Fatalf("client_id %q or client_secret (%d characters) not fresh, or not %d characters",
						got.ClientID, len(got.ClientSecret), tokenLen)
				}
				seen[got.ClientID], seen[got.ClientSecret] = true, true
				want, _ := hydraBody("registrar-load", got.ClientID, got.ClientSecret)
				if !bytes.Equal(body, want) {
					t.Fatalf("body %s, want %s", body, want)
				}
			}
		})
	}
}

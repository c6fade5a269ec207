package upstream_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/registrar-dcr/registrar/internal/hydratest"
	"github.com/registrar-dcr/registrar/sdk"
)

// TestTLSAdminWithToken puts Hydra's admin API behind an https reverse
// proxy under a path prefix, with a certificate of its own CA and a bearer
// token it requires, as an operator exposes it: with ca_file and
// admin_token the plugin provisions a client that gets a token, and sends
// the token on every call; without the CA, or with another token, every
// call is sdk.ErrUnavailable and Health fails.
func TestTLSAdminWithToken(t *testing.T) {
	t.Parallel()
	h := hydratest.Start(t)
	const adminToken = "admin-token-0123456789abcdef"
	target, _ := url.Parse(h.AdminURL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{Proxy: nil}
	var mu sync.Mutex
	var calls, authorized int
	proxy := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		ok := r.Header.Get("Authorization") == "Bearer "+adminToken
		if ok {
			authorized++
		}
		mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/hydra/") {
			http.NotFound(w, r)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/hydra")
		r.Header.Del("Authorization") // Hydra's admin API has no authentication of its own
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: proxy.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := proxy.URL + "/hydra/"

	t.Run("custom CA and token", func(t *testing.T) {
		var log syncBuffer
		u := open(t, base, &log, map[string]any{"ca_file": caFile, "admin_token": adminToken})
		if err := u.Health(ctx); err != nil {
			t.Fatalf("Health: %v", err)
		}
		const secret = "tls-secret-0123456789abcdef"
		if _, err := u.Create(ctx, provision(sdk.OperationCreate, "tls-client", confidential("api"), true, secret, 1)); err != nil {
			t.Fatal(err)
		}
		wantToken(t, h, "tls-client", secret, "api")
		if _, err := u.Update(ctx, provision(sdk.OperationUpdate, "tls-client", confidential("api"), true, "", 2)); err != nil {
			t.Fatal(err)
		}
		page, err := u.List(ctx, "")
		if err != nil || len(page.Clients) != 1 || page.Clients[0].Revision != 2 {
			t.Fatalf("List: %+v, %v; want tls-client at revision 2", page, err)
		}
		if err := u.Delete(ctx, "tls-client"); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		c, a := calls, authorized
		mu.Unlock()
		if c == 0 || c != a {
			t.Errorf("the proxy saw %d calls, %d with the admin token: want every call with it", c, a)
		}
		if s := log.String(); strings.Contains(s, adminToken) || strings.Contains(s, secret) {
			t.Errorf("the log holds the admin token or the secret:\n%s", s)
		}
	})

	for _, tc := range []struct {
		name  string
		extra map[string]any
	}{
		{name: "system roots only", extra: map[string]any{"admin_token": adminToken}},
		{name: "wrong token", extra: map[string]any{"ca_file": caFile, "admin_token": "another-token"}},
		{name: "no token", extra: map[string]any{"ca_file": caFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := open(t, base, nil, tc.extra)
			if err := u.Health(ctx); !errors.Is(err, sdk.ErrUnavailable) {
				t.Errorf("Health: %v, want ErrUnavailable", err)
			}
			_, err := u.Create(ctx, provision(sdk.OperationCreate, "tls-refused", confidential(""), true, "refused-secret-0123456789", 1))
			if !errors.Is(err, sdk.ErrUnavailable) {
				t.Errorf("Create: %v, want ErrUnavailable", err)
			}
			if err != nil && strings.Contains(err.Error(), adminToken) {
				t.Errorf("the error names the admin token: %v", err)
			}
		})
	}
}

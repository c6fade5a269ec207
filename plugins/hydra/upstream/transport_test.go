package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// TestTransport proves the mapping of what a broken or hostile admin API
// answers, with a fake one: a redirect is never followed (the secret and
// the token would go with it), an answer over the size limit, a hang past
// the timeout, a 5xx and an undecodable success are sdk.ErrUnavailable; a
// 404 is sdk.ErrNotFound and a 409 sdk.ErrAlreadyExists; nothing the fake
// echoes of the secret appears in an error.
func TestTransport(t *testing.T) {
	t.Parallel()
	const secret = "transport-secret-0123456789"
	stop := make(chan struct{}) // ends the hanging handler before its server closes
	var followed atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Store(true) }))
	t.Cleanup(elsewhere.Close)

	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{name: "redirect", want: sdk.ErrUnavailable, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
		}},
		{name: "answer too large", want: sdk.ErrUnavailable, handler: func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				w.Write([]byte(`[` + strings.Repeat(" ", 5<<20) + `]`))
				return
			}
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(strings.Repeat("x", 5<<20)))
		}},
		{name: "hang", want: sdk.ErrUnavailable, handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		}},
		{name: "server error echoing the secret", want: sdk.ErrUnavailable, handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("upstream failed for " + secret))
		}},
		{name: "undecodable success", want: sdk.ErrUnavailable, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("not json"))
		}},
		{name: "not found", want: sdk.ErrNotFound, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":"Unable to locate the resource"}`, http.StatusNotFound)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			t.Cleanup(func() {
				if tc.name == "hang" {
					close(stop)
				}
			})
			u := open(t, srv.URL, nil, map[string]any{"timeout": "300ms"})
			ctx := context.Background()
			begin := time.Now()
			for name, err := range map[string]error{
				"Update": func() error {
					_, err := u.Update(ctx, provision(sdk.OperationUpdate, "c", confidential(""), true, secret, 2))
					return err
				}(),
				"Delete": u.Delete(ctx, "c"),
				"Health": u.Health(ctx),
			} {
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: %v, want %v", name, err, tc.want)
				}
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("%s: the error holds the secret: %v", name, err)
				}
			}
			if tc.want == sdk.ErrUnavailable {
				_, err := u.Create(ctx, provision(sdk.OperationCreate, "c", confidential(""), true, secret, 1))
				if !errors.Is(err, sdk.ErrUnavailable) {
					t.Errorf("Create: %v, want ErrUnavailable", err)
				}
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("Create: the error holds the secret: %v", err)
				}
			}
			if d := time.Since(begin); d > 3*time.Second {
				t.Errorf("the calls took %s with a 300ms timeout", d)
			}
		})
	}
	if followed.Load() {
		t.Error("a redirect was followed")
	}

	t.Run("conflict", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":"Unable to insert or update resource because a resource with that value exists already"}`, http.StatusConflict)
		}))
		t.Cleanup(srv.Close)
		u := open(t, srv.URL, nil, nil)
		if _, err := u.Create(context.Background(), provision(sdk.OperationCreate, "c", confidential(""), true, secret, 1)); !errors.Is(err, sdk.ErrAlreadyExists) {
			t.Errorf("Create: %v, want ErrAlreadyExists", err)
		}
	})

	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(nil)
		url := srv.URL
		srv.Close()
		u := open(t, url, nil, nil)
		if err := u.Health(context.Background()); !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("Health: %v, want ErrUnavailable", err)
		}
	})
}

package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/config"
)

// concurrencyConfig registers under one profile with issued initial access
// tokens, without a rate limit (every request comes from 127.0.0.1).
const concurrencyConfig = `
server {
  listen          = "127.0.0.1:0"
  public_base_url = "https://registrar.example.com"
}
rate_limit {
  enabled = false
}
%s
profile "fleet" {
  authentication {
    issued_tokens = true
  }
  policy {
    grant_types                 = ["client_credentials"]
    response_types              = []
    token_endpoint_auth_methods = ["client_secret_basic"]
    scopes                      = ["api"]
    default_scope               = "api"
  }
}
`

// startConcurrencyApp serves configText on a real loopback listener and
// returns its base URL and the app, whose store the test may write to.
func startConcurrencyApp(t *testing.T, configText string) (string, *app.App) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %s", config.FormatDiagnostics(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		cancel()
		t.Fatalf("app: %s", config.FormatDiagnostics(err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return "http://" + ln.Addr().String(), a
}

// TestConcurrentRegistrationsShareOneToken: 100 registrations at once with
// one issued initial access token. While uses remain every one succeeds
// (201, never 503 "in use by too many requests"); a token of N uses admits
// exactly N and refuses the rest with 401; the stored use count is exact.
// On SQLite and on the memory store, over a real listener.
func TestConcurrentRegistrationsShareOneToken(t *testing.T) {
	const callers = 100
	stores := map[string]string{
		"sqlite": `store "sqlite" { path = "registrar.db" }`,
		"memory": `store "memory" {}`,
	}
	tests := []struct {
		name    string
		maxUses int64
		want201 int
	}{
		{"unlimited uses", 0, callers},
		{"1000 uses", 1000, callers},
		{"exactly 100 uses", callers, callers},
		{"10 uses", 10, 10},
		{"1 use", 1, 1},
	}
	for storeName, storeBlock := range stores {
		for _, tc := range tests {
			t.Run(storeName+"/"+tc.name, func(t *testing.T) {
				url, a := startConcurrencyApp(t, fmt.Sprintf(concurrencyConfig, storeBlock))
				plain, rec, err := auth.IssueToken(t.Context(), a.Store(), auth.TokenRequest{Profile: "fleet", MaxUses: tc.maxUses}, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				statuses := registerAtOnce(t, url, plain, callers)
				got := map[int]int{}
				for _, s := range statuses {
					got[s]++
				}
				if got[http.StatusCreated] != tc.want201 || got[http.StatusUnauthorized] != callers-tc.want201 {
					t.Fatalf("answers %v, want %d × 201 and %d × 401", got, tc.want201, callers-tc.want201)
				}
				stored, err := a.Store().GetToken(t.Context(), rec.Hash)
				if err != nil {
					t.Fatal(err)
				}
				if stored.Uses != int64(tc.want201) {
					t.Fatalf("the token counts %d uses after %d registrations", stored.Uses, tc.want201)
				}
				if n, err := a.Store().CountClients(t.Context(), "fleet"); err != nil || n != int64(tc.want201) {
					t.Fatalf("%d clients stored (%v), want %d", n, err, tc.want201)
				}
			})
		}
	}
}

// registerAtOnce sends n registrations at once, all released together, and
// returns their statuses.
func registerAtOnce(t *testing.T, url, token string, n int) []int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"client_name": "worker", "grant_types": []string{"client_credentials"}, "response_types": []string{}})
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	statuses := make([]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, url+"/connect/dcr", bytes.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			<-start
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			statuses[i] = resp.StatusCode
			if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusUnauthorized {
				errs[i] = fmt.Errorf("status %d: %s", resp.StatusCode, raw)
			}
			if resp.StatusCode == http.StatusUnauthorized {
				var e struct{ Error string }
				if json.Unmarshal(raw, &e) != nil || e.Error != sdk.CodeInvalidToken {
					errs[i] = fmt.Errorf("401 without invalid_token: %s", raw)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("registration %d: %v", i, err)
		}
	}
	return statuses
}

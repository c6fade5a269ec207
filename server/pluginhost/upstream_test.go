package pluginhost

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/config"
)

// upstreamErrorPrefix makes the test plugin's Upstream fail as the rest of
// the client name says (testimpl.ErrorClientNamePrefix).
const upstreamErrorPrefix = "testplugin: error "

// startUpstreamPlugin starts the SDK's test plugin as a real subprocess
// serving its in-memory Upstream under the name "up", with the given
// per-call timeout and config, and returns the host, the shim and the
// host's log.
func startUpstreamPlugin(t *testing.T, timeout time.Duration, cfg string) (*Host, sdk.Upstream, *testlog.Buffer) {
	t.Helper()
	path := plugintest.Build(t, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
	logs := &testlog.Buffer{}
	h, err := Start(t.Context(), []config.Plugin{{
		Name:         "up",
		Path:         path,
		SHA256:       plugintest.SHA256(t, path),
		Env:          []string{"TESTPLUGIN_KINDS=upstream"},
		Timeout:      timeout,
		StartTimeout: 10 * time.Second,
		Config:       []byte(cfg),
	}}, hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: logs}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	up, err := h.Upstream("up")
	if err != nil {
		t.Fatal(err)
	}
	return h, up, logs
}

func provisionNamed(id, name string) sdk.Provision {
	return sdk.Provision{
		Operation:    sdk.OperationCreate,
		Client:       sdk.Client{ID: id, SecretHash: sdk.RedactedHash, Metadata: sdk.Metadata{ClientName: name}},
		ClientSecret: "secret-" + id,
		Revision:     1,
	}
}

// TestUpstreamShim drives the upstream kind through the host's shim
// (supervisor, per-call deadline) and the real plugin wire: the writes and
// List reach the plugin, a refusal keeps its RFC error, "no such client"
// stays sdk.ErrNotFound, an outage of the authorization server stays
// sdk.ErrUnavailable and fails the health check, which names the plugin.
func TestUpstreamShim(t *testing.T) {
	h, up, _ := startUpstreamPlugin(t, 10*time.Second, `{"upstream":"assign"}`)
	ctx := t.Context()
	got, err := up.Create(ctx, provisionNamed("c1", "App"))
	if err != nil || got.ClientID != "up-c1" || got.ClientSecret == "" {
		t.Fatalf("Create = %v, %v; want the upstream's id and secret", got, err)
	}
	upd := provisionNamed("up-c1", "App v2")
	upd.Operation, upd.Revision = sdk.OperationUpdate, 2
	if _, err := up.Update(ctx, upd); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if page, err := up.List(ctx, ""); err != nil || len(page.Clients) != 1 || page.Clients[0].ID != "up-c1" || page.Clients[0].Revision != 2 {
		t.Fatalf("List = %v, %v", page, err)
	}
	if err := up.Delete(ctx, "up-c1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := up.Delete(ctx, "up-c1"); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("Delete of a deleted client: %v, want ErrNotFound", err)
	}
	_, err = up.Create(ctx, provisionNamed("c2", upstreamErrorPrefix+"invalid_client_metadata"))
	if e, ok := sdk.AsError(err); !ok || e.Code != "invalid_client_metadata" || e.Status != 400 ||
		e.Description != "client_name: refused by the authorization server" {
		t.Fatalf("refusal: %v", err)
	}
	if _, err := up.Create(ctx, provisionNamed("c3", upstreamErrorPrefix+"unavailable")); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("outage: %v", err)
	}
	if err := up.Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}
	if _, err := h.Validator("up"); err == nil {
		t.Fatal("Validator of an upstream plugin: no error")
	}

	hd, down, _ := startUpstreamPlugin(t, 10*time.Second, `{"upstream":"down"}`)
	if err := down.Health(ctx); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Health of an upstream that is down: %v", err)
	}
	if err := hd.Checks()["plugin:up"](ctx); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("plugin check of an upstream that is down: %v", err)
	}
}

// TestUpstreamShimCrashAndHang: an upstream plugin that crashes in a call,
// or hangs past the per-call timeout, answers that call with
// sdk.ErrUnavailable (never a refusal, never "done"); the crash restarts
// it at once, maxMisses hangs in a row kill and restart it, and the next
// call is served.
func TestUpstreamShimCrashAndHang(t *testing.T) {
	_, up, logs := startUpstreamPlugin(t, 300*time.Millisecond, `{}`)
	ctx := t.Context()
	if _, err := up.Create(ctx, provisionNamed("c1", crashClientName)); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("the crashing call: %v, want ErrUnavailable", err)
	}
	if _, err := up.Create(ctx, provisionNamed("c2", "after the crash")); err != nil {
		t.Fatalf("after the crash: %v\n%s", err, logs.String())
	}
	for range maxMisses {
		if _, err := up.Update(ctx, provisionNamed("c3", hangClientName)); !errors.Is(err, sdk.ErrUnavailable) {
			t.Fatalf("the hanging call: %v, want ErrUnavailable", err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "plugin restarted") < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := up.List(ctx, ""); err != nil {
		t.Fatalf("after the hang: %v\n%s", err, logs.String())
	}
	for _, want := range []string{"plugin is hung; restarting", "plugin exited; restarting"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the log:\n%s", want, logs.String())
		}
	}
}

// TestUpstreamShimWhilePluginRestarts: while an upstream plugin is down
// (restart in backoff) or restarting, every call answers
// sdk.ErrUnavailable at once or by its deadline, and health says so: the
// pipeline answers 503 and writes nothing.
func TestUpstreamShimWhilePluginRestarts(t *testing.T) {
	s := newSupervisor(config.Plugin{Name: "fake", Timeout: 200 * time.Millisecond, StartTimeout: time.Second}, hclog.NewNullLogger())
	h := &Host{log: hclog.NewNullLogger(), plugins: map[string]*supervisor{"fake": s}}
	up, err := h.Upstream("fake") // not running: the kind cannot be checked yet
	if err != nil {
		t.Fatal(err)
	}
	s.retryAt = time.Now().Add(time.Hour) // down, in backoff
	s.failures = 1
	calls := map[string]func() error{
		"Create": func() error { _, err := up.Create(t.Context(), provisionNamed("c", "App")); return err },
		"Update": func() error { _, err := up.Update(t.Context(), provisionNamed("c", "App")); return err },
		"Delete": func() error { return up.Delete(t.Context(), "c") },
		"List":   func() error { _, err := up.List(t.Context(), ""); return err },
		"Health": func() error { return up.Health(t.Context()) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, sdk.ErrUnavailable) || errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("%s while the plugin is down: %v, want ErrUnavailable", name, err)
		}
	}

	// A restart in progress that never ends: calls wait for it until
	// their deadline, then answer ErrUnavailable.
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	s.launch = func(ctx context.Context) (instance, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil, errors.New("stopped")
	}
	s.retryAt, s.failures = time.Time{}, 0
	for name, call := range calls {
		start := time.Now()
		if err := call(); !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("%s while the plugin restarts: %v, want ErrUnavailable", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s waited %s, beyond its deadline", name, d)
		}
	}
}

package pluginhost

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/config"
)

// crashClientName makes the SDK's test plugin exit in the middle of
// Validate (testimpl.CrashClientName).
const crashClientName = "testplugin: crash now"

// hangClientName makes the SDK's test plugin block in the middle of
// Validate, ignoring its context (testimpl.HangClientName).
const hangClientName = "testplugin: hang now"

// startTestValidator starts the SDK's test plugin as a real subprocess
// serving a validator with the given per-call timeout, and returns the
// host, a call of Validate for a client of that name, and the host's log.
func startTestValidator(t *testing.T, timeout time.Duration) (*Host, func(name string) error, *testlog.Buffer) {
	t.Helper()
	path := plugintest.Build(t, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
	logs := &testlog.Buffer{}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: logs})
	h, err := Start(t.Context(), []config.Plugin{{
		Name:         "tp",
		Path:         path,
		SHA256:       plugintest.SHA256(t, path),
		Env:          []string{"TESTPLUGIN_KINDS=validator"},
		Timeout:      timeout,
		StartTimeout: 10 * time.Second,
		Config:       []byte("{}"),
	}}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	v, err := h.Validator("tp")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(name string) error {
		_, err := v.Validate(t.Context(), sdk.RegistrationContext{
			Operation: sdk.OperationCreate,
			Request:   sdk.Metadata{ClientName: name, RedirectURIs: []string{"https://app.example.com/cb"}},
			Now:       time.Now(),
		})
		return err
	}
	return h, validate, logs
}

// answered reports whether the plugin answered a call: nil or a refusal,
// not unavailability.
func answered(err error) bool {
	var e *sdk.Error
	return err == nil || (errors.As(err, &e) && e.Status < 500)
}

// TestRealPluginCrashRestartsOnce runs the SDK's test plugin as a real
// subprocess: a validator call that crashes it answers ErrUnavailable, and
// the calls that follow, many at once, are served by one restarted
// instance.
func TestRealPluginCrashRestartsOnce(t *testing.T) {
	h, validate, logs := startTestValidator(t, 10*time.Second)
	if err := validate("before"); !answered(err) {
		t.Fatalf("before the crash: %v", err)
	}
	if err := validate(crashClientName); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("the crashing call: %v, want ErrUnavailable", err)
	}

	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := validate("after"); !answered(err) {
				t.Errorf("after the crash: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "plugin restarted"); n != 1 {
		t.Errorf("%d restarts in the log, want 1:\n%s", n, logs.String())
	}
	if err := h.Checks()["plugin:tp"](context.Background()); err != nil {
		t.Errorf("health after the restart: %v", err)
	}
}

// TestRealPluginHangRestarts runs the SDK's test plugin as a real
// subprocess whose Validate hangs, ignoring its context, and never exits:
// maxMisses calls in a row that miss their deadline kill it, one restart
// follows, and the next call is served; a call answered in between resets
// the count.
func TestRealPluginHangRestarts(t *testing.T) {
	h, validate, logs := startTestValidator(t, 300*time.Millisecond)
	hang := func() {
		t.Helper()
		if err := validate(hangClientName); !errors.Is(err, sdk.ErrUnavailable) {
			t.Fatalf("the hanging call: %v, want ErrUnavailable", err)
		}
	}
	// Below the limit, with an answer in between: no restart.
	for range maxMisses - 1 {
		hang()
	}
	if err := validate("between"); !answered(err) {
		t.Fatalf("an ordinary call beside hung ones: %v", err)
	}
	for range maxMisses - 1 {
		hang()
	}
	if strings.Contains(logs.String(), "plugin is hung") {
		t.Fatalf("restarted with an answered call between the misses:\n%s", logs.String())
	}
	// One more miss in a row: killed and restarted.
	hang()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "plugin restarted") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := validate("after"); !answered(err) {
		t.Fatalf("after the restart: %v\n%s", err, logs.String())
	}
	for _, want := range []string{"plugin is hung; restarting", "plugin restarted"} {
		if n := strings.Count(logs.String(), want); n != 1 {
			t.Errorf("%d %q in the log, want 1:\n%s", n, want, logs.String())
		}
	}
	if err := h.Checks()["plugin:tp"](context.Background()); err != nil {
		t.Errorf("health after the restart: %v", err)
	}
}

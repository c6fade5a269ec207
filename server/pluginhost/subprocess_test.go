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

// TestRealPluginCrashRestartsOnce runs the SDK's test plugin as a real
// subprocess: a validator call that crashes it answers ErrUnavailable, and
// the calls that follow, many at once, are served by one restarted
// instance.
func TestRealPluginCrashRestartsOnce(t *testing.T) {
	path := plugintest.Build(t, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
	logs := &testlog.Buffer{}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: logs})
	h, err := Start(t.Context(), []config.Plugin{{
		Name:         "tp",
		Path:         path,
		SHA256:       plugintest.SHA256(t, path),
		Env:          []string{"TESTPLUGIN_KINDS=validator"},
		Timeout:      10 * time.Second,
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
	answered := func(err error) bool {
		var e *sdk.Error
		return err == nil || (errors.As(err, &e) && e.Status < 500)
	}
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

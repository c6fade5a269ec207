package reconcile_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/reconcile"
	"github.com/registrar-dcr/registrar/server/reconcile/reconciletest"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

// TestRun: the periodic reconciler repairs at once, then again every
// interval: an orphan put upstream and a registration deleted upstream by
// hand while it runs are repaired by a later round, each logged once
// without a secret or its hash; it returns nil when its context is done.
func TestRun(t *testing.T) {
	s := memory.New()
	putLocal(t, s, local{"confidential", 1, "secret"})
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "orphan-1", Revision: 1, CreatedAt: time.Now().Add(-time.Hour).Unix()})
	logs := &testlog.Buffer{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- reconcile.Run(ctx, 20*time.Millisecond, up, s, reconcile.Options{Grace: grace, MaxDeletes: reconcile.DefaultMaxDeletes}, log)
	}()
	waitFor(t, "the first orphan deleted and the confidential registration deleted", func() bool {
		_, orphan := up.Get("orphan-1")
		_, err := s.Get(context.Background(), "confidential")
		return !orphan && errors.Is(err, sdk.ErrNotFound)
	})

	putLocal(t, s, local{"public", 1, "public"})
	up.Put(reconciletest.Client{ID: "orphan-2", Revision: 1, CreatedAt: time.Now().Add(-time.Hour).Unix()})
	waitFor(t, "a later round to repair what happened meanwhile", func() bool {
		_, orphan := up.Get("orphan-2")
		c, ok := up.Get("public")
		return !orphan && ok && c.Revision == 1
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return once its context was done")
	}
	out := logs.String()
	for _, want := range []string{
		"reconcile: deleted upstream client orphan-1", "reconcile: deleted local registration confidential",
		"reconcile: deleted upstream client orphan-2", "reconcile: created upstream client public",
	} {
		if n := strings.Count(out, want); n != 1 {
			t.Errorf("log has %q %d times:\n%s", want, n, out)
		}
	}
	noSecret(t, "the log", out)
}

// TestRunRefuses: Run returns at once for a store that cannot list and
// for an interval that is not positive.
func TestRunRefuses(t *testing.T) {
	up := reconciletest.New()
	tests := []struct {
		name     string
		store    sdk.ClientStore
		interval time.Duration
		want     string
	}{
		{"store that cannot list", struct{ sdk.ClientStore }{memory.New()}, time.Second, "can list its clients"},
		{"zero interval", memory.New(), 0, "interval must be positive"},
		{"negative interval", memory.New(), -time.Second, "interval must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := reconcile.Run(context.Background(), tc.interval, up, tc.store, reconcile.Options{}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

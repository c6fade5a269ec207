package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/config"
)

// fakeInstance is a plugin instance whose process "exits" on demand.
type fakeInstance struct {
	instance // nil: the kinds are not called through a fake
	exited   atomic.Bool
	killed   atomic.Bool
}

func (f *fakeInstance) Exited() bool                 { return f.exited.Load() || f.killed.Load() }
func (f *fakeInstance) Kill()                        { f.killed.Store(true) }
func (f *fakeInstance) Health(context.Context) error { return nil }

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// starter is an injectable launch: it counts starts and answers with
// whatever next returns.
type starter struct {
	starts atomic.Int32
	next   func(ctx context.Context) (instance, error)
}

func (st *starter) launch(ctx context.Context) (instance, error) {
	st.starts.Add(1)
	return st.next(ctx)
}

func newTestSupervisor(t *testing.T, timeout time.Duration, st *starter, clock *fakeClock) *supervisor {
	t.Helper()
	s := newSupervisor(config.Plugin{Name: "fake", Timeout: timeout, StartTimeout: time.Minute}, hclog.NewNullLogger())
	s.launch = st.launch
	if clock != nil {
		s.now = clock.Now
	}
	t.Cleanup(s.stop)
	return s
}

// running gives s a running fake instance, as after a successful start.
func running(s *supervisor) *fakeInstance {
	in := &fakeInstance{}
	s.mu.Lock()
	s.inst = in
	s.mu.Unlock()
	return in
}

func noop(context.Context, instance) error { return nil }

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{-1, 0},
		{0, 0},
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{8, 12800 * time.Millisecond},
		{9, 25600 * time.Millisecond},
		{10, 30 * time.Second}, // 51.2 s, capped
		{17, 30 * time.Second},
		{64, 30 * time.Second}, // no overflow
		{1 << 20, 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.failures), func(t *testing.T) {
			if got := backoff(tc.failures); got != tc.want {
				t.Errorf("backoff(%d) = %s, want %s", tc.failures, got, tc.want)
			}
		})
	}
}

// TestRestartBackoffGrowsAndCaps: each failed start doubles the wait
// before the next one, up to the cap; calls within the wait answer
// ErrUnavailable at once without starting; a good start resets it, and
// the first restart after a later crash is immediate.
func TestRestartBackoffGrowsAndCaps(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	var fail atomic.Bool
	fail.Store(true)
	st := &starter{next: func(context.Context) (instance, error) {
		if fail.Load() {
			return nil, errors.New("cannot start")
		}
		return &fakeInstance{}, nil
	}}
	s := newTestSupervisor(t, time.Second, st, clock)
	running(s).exited.Store(true) // it crashed

	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000}
	for i, w := range want {
		w *= time.Millisecond
		err := s.call(t.Context(), noop)
		if !errors.Is(err, sdk.ErrUnavailable) {
			t.Fatalf("start %d: %v, want ErrUnavailable", i+1, err)
		}
		if got := st.starts.Load(); got != int32(i+1) {
			t.Fatalf("after call %d: %d starts, want %d", i+1, got, i+1)
		}
		s.mu.Lock()
		wait := s.retryAt.Sub(clock.Now())
		s.mu.Unlock()
		if wait != w {
			t.Errorf("after %d failed starts: next start in %s, want %s", i+1, wait, w)
		}
		// Within the backoff: no start, an immediate 503.
		clock.Advance(w - time.Millisecond)
		if err := s.call(t.Context(), noop); !errors.Is(err, sdk.ErrUnavailable) {
			t.Fatalf("within the backoff: %v, want ErrUnavailable", err)
		}
		if got := st.starts.Load(); got != int32(i+1) {
			t.Fatalf("a call within the backoff started the plugin (%d starts)", got)
		}
		clock.Advance(time.Millisecond)
	}

	fail.Store(false)
	if err := s.call(t.Context(), noop); err != nil {
		t.Fatalf("after the backoff, with a plugin that starts: %v", err)
	}
	s.mu.Lock()
	failures := s.failures
	s.mu.Unlock()
	if failures != 0 {
		t.Errorf("failures = %d after a good start, want 0", failures)
	}
	// It crashes again: the first restart is immediate.
	s.current().(*fakeInstance).exited.Store(true)
	if err := s.call(t.Context(), noop); err != nil {
		t.Fatalf("first call after a crash: %v, want a restarted plugin", err)
	}
}

// TestOneRestartUnderConcurrentCalls: many calls arriving while the plugin
// is down start it once, and all of them get the new instance.
func TestOneRestartUnderConcurrentCalls(t *testing.T) {
	gate := make(chan struct{})
	st := &starter{next: func(ctx context.Context) (instance, error) {
		select {
		case <-gate:
			return &fakeInstance{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	s := newTestSupervisor(t, 10*time.Second, st, nil)
	old := running(s)
	old.exited.Store(true)

	const callers = 64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	got := make(chan instance, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.call(t.Context(), func(_ context.Context, in instance) error {
				got <- in
				return nil
			})
		}()
	}
	// Let every caller reach the wait, then let the start finish.
	deadline := time.Now().Add(5 * time.Second)
	for st.starts.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(errs)
	close(got)
	for err := range errs {
		if err != nil {
			t.Errorf("call: %v", err)
		}
	}
	if n := st.starts.Load(); n != 1 {
		t.Errorf("%d starts for %d concurrent calls, want 1", n, callers)
	}
	var first instance
	for in := range got {
		if first == nil {
			first = in
		}
		if in != first || in == instance(old) {
			t.Fatal("callers got different or old instances")
		}
	}
	if !old.killed.Load() {
		t.Error("the exited instance was not killed")
	}
}

// TestCallersBoundedWhileStartHangs: while a start hangs (ignoring its
// context), every call gives up at its own deadline, the per-call timeout
// or its caller's, whichever is first, and no second start begins; none
// waits for the start_timeout.
func TestCallersBoundedWhileStartHangs(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	st := &starter{next: func(context.Context) (instance, error) {
		<-hang
		return nil, errors.New("gave up")
	}}
	const timeout = 150 * time.Millisecond
	s := newTestSupervisor(t, timeout, st, nil)
	running(s).exited.Store(true)

	tests := []struct {
		name     string
		deadline time.Duration // the caller's own; 0 for none
		want     time.Duration
	}{
		{name: "per-call timeout", want: timeout},
		{name: "caller deadline first", deadline: 40 * time.Millisecond, want: 40 * time.Millisecond},
		{name: "caller deadline after the timeout", deadline: time.Hour, want: timeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const callers = 16
			var wg sync.WaitGroup
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := t.Context()
					if tc.deadline > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, tc.deadline)
						defer cancel()
					}
					start := time.Now()
					err := s.call(ctx, noop)
					took := time.Since(start)
					if !errors.Is(err, sdk.ErrUnavailable) {
						t.Errorf("call during a hung start: %v, want ErrUnavailable", err)
					}
					if took < tc.want-5*time.Millisecond || took > tc.want+time.Second {
						t.Errorf("call took %s, want about %s", took, tc.want)
					}
				}()
			}
			wg.Wait()
		})
	}
	if n := st.starts.Load(); n != 1 {
		t.Errorf("%d starts, want 1 (the hung one)", n)
	}
	if err := s.health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("health during a hung start: %v, want ErrUnavailable", err)
	}
	// Stopping does not wait for the hung start.
	done := make(chan struct{})
	go func() { s.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("stop waited for the hung start")
	}
	if err := s.call(t.Context(), noop); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("call after stop: %v, want ErrUnavailable", err)
	}
}

// TestCrashStartsRestart: a call that loses its plugin starts the restart
// itself, so the next call does not pay for the whole start.
func TestCrashStartsRestart(t *testing.T) {
	st := &starter{next: func(context.Context) (instance, error) { return &fakeInstance{}, nil }}
	s := newTestSupervisor(t, time.Second, st, nil)
	in := running(s)
	err := s.call(t.Context(), func(context.Context, instance) error {
		in.exited.Store(true) // the process died during the call
		return fmt.Errorf("connection lost: %w", sdk.ErrUnavailable)
	})
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("call that lost its plugin: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.starts.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := st.starts.Load(); n != 1 {
		t.Fatalf("%d starts after the crash, want 1 begun by the failed call", n)
	}
	if err := s.call(t.Context(), noop); err != nil {
		t.Fatalf("call after the crash: %v", err)
	}
	if n := st.starts.Load(); n != 1 {
		t.Errorf("%d starts, want 1", n)
	}
}

// TestHungPluginRestarted: a plugin that misses the deadline of maxMisses
// consecutive calls, without ever exiting (deadlocked), is killed and
// restarted in the background; a call it answers before its deadline,
// successfully or with an error of its own, resets the count, while a call
// its caller gave up on, or one answered with an outage, neither counts nor
// resets.
func TestHungPluginRestarted(t *testing.T) {
	const timeout = 20 * time.Millisecond
	hangs := func(ctx context.Context, _ instance) error { <-ctx.Done(); return ctx.Err() }
	rejects := func(context.Context, instance) error {
		return sdk.ErrInvalidRedirectURI().WithDescription("refused")
	}
	outage := func(context.Context, instance) error { return fmt.Errorf("db down: %w", sdk.ErrUnavailable) }
	type step struct {
		fn     func(context.Context, instance) error
		cancel bool // the caller gives up before the deadline
		ok     bool // the call succeeds
	}
	miss, ok, reject, down := step{fn: hangs}, step{fn: noop, ok: true}, step{fn: rejects}, step{fn: outage}
	gaveUp := step{fn: hangs, cancel: true}
	tests := []struct {
		name        string
		steps       []step
		wantRestart bool
	}{
		{name: "misses below the limit", steps: []step{miss, miss}},
		{name: "consecutive misses", steps: []step{miss, miss, miss}, wantRestart: true},
		{name: "an answer resets", steps: []step{miss, miss, ok, miss, miss}},
		{name: "a rejection resets", steps: []step{miss, miss, reject, miss, miss}},
		{name: "the caller giving up neither counts nor resets", steps: []step{miss, miss, gaveUp, gaveUp, gaveUp}},
		{name: "misses around a caller giving up", steps: []step{miss, gaveUp, miss, miss}, wantRestart: true},
		{name: "misses around an outage", steps: []step{miss, miss, down, miss}, wantRestart: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &starter{next: func(context.Context) (instance, error) { return &fakeInstance{}, nil }}
			s := newTestSupervisor(t, timeout, st, nil)
			old := running(s)
			for i, step := range tc.steps {
				ctx := t.Context()
				if step.cancel {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, timeout/4)
					defer cancel()
				}
				err := s.call(ctx, step.fn)
				if (err == nil) != step.ok {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			if tc.wantRestart {
				deadline := time.Now().Add(5 * time.Second)
				for s.current() == nil && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			if got := st.starts.Load() == 1; got != tc.wantRestart {
				t.Errorf("%d starts, want a restart: %v", st.starts.Load(), tc.wantRestart)
			}
			if old.killed.Load() != tc.wantRestart {
				t.Errorf("old instance killed: %v, want %v", old.killed.Load(), tc.wantRestart)
			}
			var got instance
			if err := s.call(t.Context(), func(_ context.Context, in instance) error { got = in; return nil }); err != nil {
				t.Fatalf("call after: %v", err)
			}
			if (got != instance(old)) != tc.wantRestart {
				t.Errorf("the call after was served by the old instance: %v, want %v", got == instance(old), !tc.wantRestart)
			}
			s.mu.Lock()
			misses := s.misses
			s.mu.Unlock()
			if misses != 0 {
				t.Errorf("misses = %d after an answered call, want 0", misses)
			}
		})
	}
}

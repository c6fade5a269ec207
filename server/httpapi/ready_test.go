package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hung is a check that never answers and ignores its context, as a wedged
// plugin would; it returns when the test ends.
func hung(t *testing.T, calls *atomic.Int32) Checker {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func(context.Context) error {
		if calls != nil {
			calls.Add(1)
		}
		<-stop
		return nil
	}
}

func healthy(context.Context) error { return nil }

func readyz(t *testing.T, h http.Handler) (int, map[string]any, time.Duration) {
	t.Helper()
	start := time.Now()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	took := time.Since(start)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("readyz body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, body, took
}

// TestReadyz: checks run concurrently, each under its own deadline, and
// only the failing ones are reported unavailable.
func TestReadyz(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name   string
		checks func(t *testing.T) map[string]Checker
		status int
		want   map[string]any
	}{
		{
			name:   "no checks",
			checks: func(*testing.T) map[string]Checker { return nil },
			status: 200,
			want:   map[string]any{"status": "ok", "checks": map[string]any{}},
		},
		{
			name: "all healthy",
			checks: func(*testing.T) map[string]Checker {
				return map[string]Checker{"store": healthy, "plugin:a": healthy}
			},
			status: 200,
			want:   map[string]any{"status": "ok", "checks": map[string]any{"store": "ok", "plugin:a": "ok"}},
		},
		{
			name: "hung plugin beside healthy ones",
			checks: func(t *testing.T) map[string]Checker {
				return map[string]Checker{"store": healthy, "plugin:hung": hung(t, nil), "plugin:ok": healthy}
			},
			status: 503,
			want: map[string]any{"status": "unavailable",
				"checks": map[string]any{"store": "ok", "plugin:hung": "unavailable", "plugin:ok": "ok"}},
		},
		{
			name: "slow healthy check beside hung ones",
			checks: func(t *testing.T) map[string]Checker {
				slow := func(ctx context.Context) error {
					select {
					case <-time.After(timeout / 2):
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				return map[string]Checker{"a": hung(t, nil), "b": hung(t, nil), "c": hung(t, nil), "d": hung(t, nil),
					"e": hung(t, nil), "slow": slow}
			},
			status: 503,
			want: map[string]any{"status": "unavailable", "checks": map[string]any{"a": "unavailable", "b": "unavailable",
				"c": "unavailable", "d": "unavailable", "e": "unavailable", "slow": "ok"}},
		},
		{
			name: "failing check",
			checks: func(*testing.T) map[string]Checker {
				return map[string]Checker{"store": func(context.Context) error { return errors.New("disk full") }, "plugin:a": healthy}
			},
			status: 503,
			want:   map[string]any{"status": "unavailable", "checks": map[string]any{"store": "unavailable", "plugin:a": "ok"}},
		},
		{
			name: "panicking check",
			checks: func(*testing.T) map[string]Checker {
				return map[string]Checker{"store": func(context.Context) error { panic("boom") }, "plugin:a": healthy}
			},
			status: 503,
			want:   map[string]any{"status": "unavailable", "checks": map[string]any{"store": "unavailable", "plugin:a": "ok"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandler(nil, Options{Ready: tc.checks(t), ReadyTimeout: timeout})
			status, body, took := readyz(t, h)
			if status != tc.status {
				t.Errorf("status = %d, want %d", status, tc.status)
			}
			if !reflect.DeepEqual(body, tc.want) {
				t.Errorf("body = %v, want %v", body, tc.want)
			}
			// Concurrent checks: one deadline in all, not one per check
			// (five hung checks one after another would take 1.5 s).
			if took > timeout+700*time.Millisecond {
				t.Errorf("readyz took %s with a per-check timeout of %s", took, timeout)
			}
		})
	}
}

// TestReadyzOneRunPerCheck: polls while a check hangs join its run rather
// than stacking goroutines behind it, and a check that recovers is seen.
func TestReadyzOneRunPerCheck(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	var healthyNow atomic.Bool
	check := func(ctx context.Context) error {
		calls.Add(1)
		if healthyNow.Load() {
			return nil
		}
		<-release // ignores ctx
		return errors.New("was hung")
	}
	h := NewHandler(nil, Options{Ready: map[string]Checker{"plugin:slow": check}, ReadyTimeout: 50 * time.Millisecond})
	for range 5 {
		if status, _, _ := readyz(t, h); status != 503 {
			t.Fatalf("status = %d while the check hangs, want 503", status)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the hung check was started %d times over 5 polls, want 1", n)
	}
	healthyNow.Store(true)
	close(release)
	deadline := time.Now().Add(2 * time.Second)
	for {
		status, _, _ := readyz(t, h)
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("readyz did not recover after the check did")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReadyzServesFreshResult: /readyz is unauthenticated and not rate
// limited, and a check may write (the SQLite heartbeat), so polls within
// the fresh interval share one run of each check, passing or failing, and
// a poll after it runs the check again.
func TestReadyzServesFreshResult(t *testing.T) {
	tests := []struct {
		name     string
		fresh    time.Duration
		fail     bool
		polls    int
		pause    time.Duration // between polls
		status   int
		wantRuns int32
	}{
		{name: "healthy, polled in a loop", fresh: time.Hour, polls: 50, status: 200, wantRuns: 1},
		{name: "failing, polled in a loop", fresh: time.Hour, fail: true, polls: 50, status: 503, wantRuns: 1},
		{name: "default interval", polls: 50, status: 200, wantRuns: 1},
		{name: "polls after the interval run again", fresh: 5 * time.Millisecond, polls: 3,
			pause: 20 * time.Millisecond, status: 200, wantRuns: 3},
		{name: "negative interval runs every poll", fresh: -1, polls: 5, status: 200, wantRuns: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var runs atomic.Int32
			check := func(context.Context) error {
				runs.Add(1)
				if tc.fail {
					return errors.New("disk full")
				}
				return nil
			}
			h := NewHandler(nil, Options{Ready: map[string]Checker{"store": check}, ReadyFresh: tc.fresh})
			for i := range tc.polls {
				if i > 0 {
					time.Sleep(tc.pause)
				}
				if status, _, _ := readyz(t, h); status != tc.status {
					t.Fatalf("poll %d: status = %d, want %d", i, status, tc.status)
				}
			}
			if n := runs.Load(); n != tc.wantRuns {
				t.Errorf("%d polls ran the check %d times, want %d", tc.polls, n, tc.wantRuns)
			}
		})
	}
}

// TestReadyzFreshConcurrentPolls: concurrent polls in a burst share one
// run too (they join the run in flight, then its fresh result).
func TestReadyzFreshConcurrentPolls(t *testing.T) {
	var runs atomic.Int32
	check := func(context.Context) error {
		runs.Add(1)
		time.Sleep(10 * time.Millisecond)
		return nil
	}
	h := NewHandler(nil, Options{Ready: map[string]Checker{"store": check}, ReadyFresh: time.Hour})
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != 200 {
				t.Errorf("status = %d, want 200", rec.Code)
			}
		}()
	}
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("40 concurrent polls ran the check %d times, want 1", n)
	}
}

package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/go-hclog"
)

// defaultReadyTimeout bounds each readiness check when
// Options.ReadyTimeout is zero.
const defaultReadyTimeout = 2 * time.Second

// defaultReadyFresh is how long a check's result answers /readyz when
// Options.ReadyFresh is zero.
const defaultReadyFresh = time.Second

// readiness runs the checks of /readyz. Every check runs concurrently with
// the others under its own deadline, so a dependency that hangs is reported
// unavailable alone and never makes a healthy one look unavailable. At most
// one run of each check is in flight: a poll that arrives while a check is
// running waits for that run instead of starting another, so a check that
// ignores its context holds one goroutine, not one per poll. A finished
// run answers every poll for the fresh interval after it started, so
// /readyz, which is neither authenticated nor rate limited, runs each check
// (for the SQLite store, a heartbeat write) at most once per interval however
// often it is polled.
type readiness struct {
	timeout time.Duration
	fresh   time.Duration
	checks  []*readyCheck // sorted by name
	log     hclog.Logger
}

type readyCheck struct {
	name string
	fn   Checker

	mu   sync.Mutex
	run  *checkRun // the run in flight, nil when none
	last *checkRun // the last finished run, nil before the first
}

type checkRun struct {
	started time.Time
	done    chan struct{} // closed when err is set
	err     error
}

// newReadiness returns the checks of /readyz. timeout bounds each run (0
// means defaultReadyTimeout); fresh is how long a finished run's result
// is served (0 means defaultReadyFresh, negative means never).
func newReadiness(checks map[string]Checker, timeout, fresh time.Duration, log hclog.Logger) *readiness {
	if timeout <= 0 {
		timeout = defaultReadyTimeout
	}
	if fresh == 0 {
		fresh = defaultReadyFresh
	}
	r := &readiness{timeout: timeout, fresh: fresh, log: log}
	for name, fn := range checks {
		if fn != nil {
			r.checks = append(r.checks, &readyCheck{name: name, fn: fn})
		}
	}
	sort.Slice(r.checks, func(i, j int) bool { return r.checks[i].name < r.checks[j].name })
	return r
}

// result returns the outcome of the check: the error of the last run if it
// started less than fresh ago, else the error of a new run (or of the one
// in flight), or a timeout error when that run did not end within the
// deadline. ctx ends the wait early (the client went away), not the run.
func (c *readyCheck) result(ctx context.Context, timeout, fresh time.Duration) error {
	c.mu.Lock()
	now := time.Now()
	if last := c.last; last != nil && now.Sub(last.started) < fresh {
		c.mu.Unlock()
		return last.err
	}
	run := c.run
	if run == nil {
		run = &checkRun{started: now, done: make(chan struct{})}
		c.run = run
		go c.start(run, timeout)
	}
	c.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-run.done:
		return run.err
	case <-t.C:
		return fmt.Errorf("no answer within %s", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start runs the check under its own deadline, detached from the request
// that started it (other polls may wait for the same run).
func (c *readyCheck) start(run *checkRun, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			run.err = fmt.Errorf("check panicked: %v", v)
		}
		c.mu.Lock()
		c.run = nil
		c.last = run
		c.mu.Unlock()
		close(run.done)
	}()
	run.err = c.fn(ctx)
}

// readyz answers 200 {"status":"ok","checks":{...}} when every check
// passes, and 503 with "status":"unavailable" otherwise, each check named
// with "ok" or "unavailable". Causes go to the log, never to the answer.
func (h *handler) readyz(c *gin.Context) {
	r := h.ready
	errs := make([]error, len(r.checks))
	var wg sync.WaitGroup
	for i, check := range r.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = check.result(c.Request.Context(), r.timeout, r.fresh)
		}()
	}
	wg.Wait()
	status, word := http.StatusOK, "ok"
	checks := make(map[string]string, len(r.checks))
	for i, check := range r.checks {
		if errs[i] != nil {
			r.log.Warn("readiness check failed", "check", check.name, "error", errs[i])
			checks[check.name] = "unavailable"
			status, word = http.StatusServiceUnavailable, "unavailable"
			continue
		}
		checks[check.name] = "ok"
	}
	c.JSON(status, gin.H{"status": word, "checks": checks})
}

package pipeline

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// retryPolicy bounds the retries of a store write that must not be lost
// with the request: at most attempts writes, sleeping a jittered backoff
// from base doubling up to max between them, all within budget, measured
// from the first attempt and detached from the request's cancellation.
type retryPolicy struct {
	attempts  int
	base, max time.Duration
	budget    time.Duration
}

// defaultRevokeRetry rides out a short store outage (a SQLite busy
// writer, a MongoDB primary election) within a few seconds. The retries run
// in the background (revoke), so the budget does not depend on the
// server's write timeout.
var defaultRevokeRetry = retryPolicy{attempts: 6, base: 50 * time.Millisecond, max: time.Second, budget: 4 * time.Second}

// defaultRevokeLimit bounds the revocations running in the background at
// once, so that a flood of tokens presented on other clients' URIs while
// the store fails cannot pile up goroutines.
const defaultRevokeLimit = 64

// inlineRevokeTimeout bounds the first attempt of a revocation, which
// runs within the request.
const inlineRevokeTimeout = time.Second

// revocations tracks the revocations running in the background: at most
// one per token hash, so that a token presented again while its
// revocation runs starts no other.
type revocations struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	inFlight map[string]struct{} // registration token hashes
}

// start reserves hash unless it is in flight already (dup) or limit
// revocations run (full).
func (r *revocations) start(hash string, limit int) (dup, full bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.inFlight[hash]; ok {
		return true, false
	}
	if len(r.inFlight) >= limit {
		return false, true
	}
	if r.inFlight == nil {
		r.inFlight = map[string]struct{}{}
	}
	r.inFlight[hash] = struct{}{}
	r.wg.Add(1)
	return false, false
}

func (r *revocations) done(hash string) {
	r.mu.Lock()
	delete(r.inFlight, hash)
	r.mu.Unlock()
	r.wg.Done()
}

// Wait blocks until the revocations running in the background have ended;
// each ends within its retry budget (4 seconds). Call it before closing the
// store, so that no revocation is cut short by the shutdown.
func (p *Pipeline) Wait() { p.revocations.wg.Wait() }

// backoff returns the pause before attempt n+1 (n ≥ 1): base·2^(n-1)
// capped at max, of which the upper half is random, so replicas retrying
// the same record do not collide again in step.
func (r retryPolicy) backoff(n int) time.Duration {
	d := r.base
	for i := 1; i < n && d < r.max; i++ {
		d *= 2
	}
	d = min(d, r.max)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// revoke kills the registration access token of c after it was presented
// for another client's URI (RFC 7592 §2.1); the caller gets 401 either way.
//
// The first attempt runs within the request, bounded by
// inlineRevokeTimeout, so that in the usual case the token is dead before
// the 401 goes out, and a slow store never holds the answer past the
// server's write timeout. When it fails, the write must not be lost with
// the request: it is retried in the background, detached from the
// request's cancellation, with backoff (revokeRetry, whose attempts count
// the first). A conflict re-reads
// the client: when its token is no longer the presented one (rotated,
// revoked) or the client is gone, the token is dead already. When every
// attempt fails the token stays valid, and an error-level log line names
// the client (never the token) so that the operator revokes it by hand
// (README, "HTTP API").
//
// At most one revocation per token runs at a time (a token presented again
// meanwhile is being revoked already), and at most revokeLimit in the
// background; past that bound the first attempt is the only one, with the
// same error log when it fails.
func (p *Pipeline) revoke(ctx context.Context, c sdk.Client) {
	r := p.revokeRetry
	if r.attempts <= 0 {
		r = defaultRevokeRetry
	}
	limit := p.revokeLimit
	if limit <= 0 {
		limit = defaultRevokeLimit
	}
	inline := p.revokeInline
	if inline <= 0 {
		inline = inlineRevokeTimeout
	}
	ctx = context.WithoutCancel(ctx)
	hash := c.RegistrationTokenHash
	dup, full := p.revocations.start(hash, limit)
	if dup {
		return
	}
	if full {
		p.revokeWithRetry(ctx, c, retryPolicy{attempts: 1, budget: min(r.budget, inline)}, 0, nil)
		return
	}
	first, cancel := context.WithTimeout(ctx, inline)
	outcome, err := p.revokeOnce(first, &c, hash)
	cancel()
	if err == nil {
		p.revocations.done(hash)
		p.log().Warn("registration access token used on another client's URI; "+outcome, "client_id", c.ID)
		return
	}
	if r.attempts > 1 {
		p.log().Warn("cannot revoke a registration access token used on another client's URI; retrying in the background",
			"client_id", c.ID, "attempt", 1, "error", err)
	}
	go func() {
		defer p.revocations.done(hash)
		p.revokeWithRetry(ctx, c, r, 1, err)
	}()
}

// revokeWithRetry revokes the token of c within r, whose attempts count
// the made attempts already made (the last failed with prior); see revoke.
func (p *Pipeline) revokeWithRetry(ctx context.Context, c sdk.Client, r retryPolicy, made int, prior error) {
	ctx, cancel := context.WithTimeout(ctx, r.budget)
	defer cancel()
	hash := c.RegistrationTokenHash
	err := prior
	for attempt := made + 1; attempt <= r.attempts; attempt++ {
		if attempt > 1 && !sleep(ctx, r.backoff(attempt-1)) {
			break
		}
		var outcome string
		if outcome, err = p.revokeOnce(ctx, &c, hash); err == nil {
			p.log().Warn("registration access token used on another client's URI; "+outcome, "client_id", c.ID)
			return
		}
		made = attempt
		if attempt < r.attempts {
			p.log().Warn("cannot revoke a registration access token used on another client's URI; retrying",
				"client_id", c.ID, "attempt", attempt, "error", err)
		}
	}
	p.log().Error("cannot revoke a registration access token used on another client's URI: the token stays valid; revoke it by hand",
		"client_id", c.ID, "attempts", made, "error", err)
}

// revokeOnce writes c without its registration access token. On a conflict
// it re-reads c: a token other than hash, or no client at all, means the
// presented token is dead already; otherwise *c becomes the fresh record
// for the next attempt. err is nil once the token is dead; outcome says
// how.
func (p *Pipeline) revokeOnce(ctx context.Context, c *sdk.Client, hash string) (outcome string, err error) {
	revoked := *c
	revoked.RegistrationTokenHash = ""
	revoked.UpdatedAt = p.now().Unix()
	_, err = p.Store.Update(ctx, revoked)
	if errors.Is(err, sdk.ErrConflict) {
		var cur sdk.Client
		switch cur, err = p.Store.Get(ctx, c.ID); {
		case err == nil && cur.RegistrationTokenHash != hash:
			return "it was replaced meanwhile", nil
		case err == nil:
			*c = cur
			return "", sdk.ErrConflict
		}
	}
	switch {
	case err == nil:
		return "token revoked", nil
	case errors.Is(err, sdk.ErrNotFound):
		return "the client was deleted meanwhile", nil
	}
	return "", err
}

// sleep waits d, or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// RevokeRegistrationToken revokes the registration access token of the
// client clientID in s, for an operator (registrar client revoke-token):
// the token stops working at once (RFC 7592 §2.1, 401 for any later use)
// and the client can no longer manage its registration; it keeps its
// client_id and credentials at the authorization server. revoked is false
// when the client had no live token. A concurrent write is retried with
// backoff within ctx. Errors: sdk.ErrNotFound for an unknown client; the
// store's error when it cannot write.
func RevokeRegistrationToken(ctx context.Context, s sdk.Store, clientID string, now time.Time) (revoked bool, err error) {
	r := defaultRevokeRetry
	for attempt := 1; ; attempt++ {
		c, err := s.Get(ctx, clientID)
		if err != nil {
			return false, err
		}
		if c.RegistrationTokenHash == "" {
			return false, nil
		}
		c.RegistrationTokenHash = ""
		c.UpdatedAt = now.Unix()
		_, err = s.Update(ctx, c)
		if !errors.Is(err, sdk.ErrConflict) {
			return err == nil, err
		}
		if attempt >= r.attempts || !sleep(ctx, r.backoff(attempt)) {
			return false, err
		}
	}
}

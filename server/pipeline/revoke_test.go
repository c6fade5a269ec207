package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// TestRevokeTokenUsedOnAnotherClient: a registration access token presented
// on another client's URI answers 401 and is revoked (RFC 7592 §2.1). A
// failing store write is retried with backoff, detached from the request's
// cancellation; a write that keeps failing leaves an error-level log line
// naming the client, never the token.
func TestRevokeTokenUsedOnAnotherClient(t *testing.T) {
	type env struct {
		h     *harness
		owner clientInfo // whose token is presented
		other clientInfo // whose URI it is presented on
	}
	tests := []struct {
		name string
		// hook is the store's Update hook; call counts the writes from 1.
		hook func(e *env, call int, ctx context.Context, c sdk.Client) error
		// cancel cancels the request's context at the first write.
		cancel      bool
		wantRevoked bool // the presented token is dead afterwards
		wantWrites  int  // store writes of the revocation; 0: not checked
		wantError   bool // an error-level log line
	}{
		{name: "healthy store", wantRevoked: true, wantWrites: 1},
		{name: "store fails twice", wantRevoked: true, wantWrites: 3,
			hook: func(_ *env, call int, _ context.Context, _ sdk.Client) error {
				if call <= 2 {
					return fmt.Errorf("database is locked: %w", sdk.ErrUnavailable)
				}
				return nil
			}},
		{name: "store fails with internal errors", wantRevoked: true, wantWrites: 2,
			hook: func(_ *env, call int, _ context.Context, _ sdk.Client) error {
				if call == 1 {
					return errors.New("disk I/O error")
				}
				return nil
			}},
		{name: "request canceled during the revocation", cancel: true, wantRevoked: true, wantWrites: 2,
			hook: func(_ *env, call int, ctx context.Context, _ sdk.Client) error {
				if call == 1 {
					return fmt.Errorf("write: %w", sdk.ErrUnavailable)
				}
				return ctx.Err() // the revocation's context is not the request's
			}},
		{name: "store always fails", wantRevoked: false, wantWrites: 4, wantError: true,
			hook: func(*env, int, context.Context, sdk.Client) error {
				return fmt.Errorf("read-only database: %w", sdk.ErrUnavailable)
			}},
		{name: "concurrent update keeps the token", wantRevoked: true, wantWrites: 3,
			hook: func(e *env, call int, ctx context.Context, c sdk.Client) error {
				if call == 1 { // another request renames the client first
					cur, err := e.h.store.Get(ctx, c.ID)
					if err != nil {
						return err
					}
					cur.Metadata.ClientName = "renamed meanwhile"
					if _, err := e.h.store.Update(ctx, cur); err != nil { // call 2
						return err
					}
				}
				return nil
			}},
		{name: "concurrent rotation already killed the token", wantRevoked: true, wantWrites: 2,
			hook: func(e *env, call int, ctx context.Context, c sdk.Client) error {
				if call == 1 {
					cur, err := e.h.store.Get(ctx, c.ID)
					if err != nil {
						return err
					}
					cur.RegistrationTokenHash = sdk.HashToken("rotated meanwhile")
					_, err = e.h.store.Update(ctx, cur) // call 2
					return err
				}
				return nil
			}},
		{name: "client deleted meanwhile", wantRevoked: true, wantWrites: 1,
			hook: func(e *env, call int, ctx context.Context, c sdk.Client) error {
				cur, err := e.h.store.Get(ctx, c.ID)
				if err != nil {
					return err
				}
				return e.h.store.Store.Delete(ctx, cur.ID, cur.Revision)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sdk.RotateOnUpdate)
			e := &env{h: h, owner: h.register(t, ""), other: h.register(t, "")}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var calls atomic.Int32
			h.store.set(func(s *hookStore) {
				s.onUpdate = func(hctx context.Context, c sdk.Client) error {
					call := int(calls.Add(1))
					if tc.cancel && call == 1 {
						cancel()
					}
					if tc.hook == nil {
						return nil
					}
					return tc.hook(e, call, hctx, c)
				}
			})
			_, err := h.p.Read(ctx, Request{Authorization: "Bearer " + e.owner.RegistrationAccessToken, ClientID: e.other.ClientID})
			if !errors.Is(err, sdk.ErrInvalidToken()) || status(err) != http.StatusUnauthorized {
				t.Fatalf("token on another client's URI: %v, want 401 invalid_token", err)
			}
			h.p.Wait() // the revocation runs in the background
			if tc.wantWrites > 0 {
				if n := int(calls.Load()); n != tc.wantWrites {
					t.Errorf("%d store writes, want %d", n, tc.wantWrites)
				}
			}
			h.store.set(func(s *hookStore) { s.onUpdate = nil })
			_, err = h.p.Read(t.Context(), manage(e.owner))
			if revoked := errors.Is(err, sdk.ErrInvalidToken()); revoked != tc.wantRevoked {
				t.Errorf("presented token revoked: %v (%v), want %v", revoked, err, tc.wantRevoked)
			}
			if _, err := h.p.Read(t.Context(), manage(e.other)); err != nil {
				t.Errorf("the addressed client's own token stopped working: %v", err)
			}
			logs := h.logs.String()
			if strings.Contains(logs, e.owner.RegistrationAccessToken) || strings.Contains(logs, e.other.RegistrationAccessToken) {
				t.Fatalf("a registration access token is in the log:\n%s", logs)
			}
			hasError := strings.Contains(logs, "[ERROR]")
			if hasError != tc.wantError {
				t.Errorf("error-level log: %v, want %v\n%s", hasError, tc.wantError, logs)
			}
			if tc.wantError && !strings.Contains(logs, "client_id="+e.owner.ClientID) {
				t.Errorf("the error log does not name the client %s:\n%s", e.owner.ClientID, logs)
			}
		})
	}
}

// TestRevokeIsBoundedInTime: a store that hangs holds the background
// revocation only for the retry budget, and never the 401.
func TestRevokeIsBoundedInTime(t *testing.T) {
	h := newHarness(t, sdk.RotateOnUpdate)
	h.p.revokeRetry = retryPolicy{attempts: 100, base: time.Millisecond, max: 2 * time.Millisecond, budget: 200 * time.Millisecond}
	h.p.revokeInline = 20 * time.Millisecond
	owner, other := h.register(t, ""), h.register(t, "")
	h.store.set(func(s *hookStore) {
		s.onUpdate = func(ctx context.Context, _ sdk.Client) error {
			<-ctx.Done()
			return ctx.Err()
		}
	})
	start := time.Now()
	_, err := h.p.Read(t.Context(), Request{Authorization: "Bearer " + owner.RegistrationAccessToken, ClientID: other.ClientID})
	if status(err) != http.StatusUnauthorized {
		t.Fatalf("got %v, want 401", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("the 401 took %v: it waited for the revocation's retries, not only its first attempt (20ms)", d)
	}
	h.p.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the revocation took %v, want about its 200ms budget", d)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "[ERROR]") || !strings.Contains(logs, "client_id="+owner.ClientID) {
		t.Fatalf("the failed revocation is not logged at error level:\n%s", logs)
	}
}

// TestRevokeAnswersAtOnce: the 401 for a token presented on another
// client's URI waits for the revocation's first store write only up to
// its bound (1 s), not for the retries, so that a server write timeout
// shorter than the retry budget never turns it into a dropped connection;
// the revocation completes in the background.
func TestRevokeAnswersAtOnce(t *testing.T) {
	h := newHarness(t, sdk.RotateOnUpdate)
	owner, other := h.register(t, ""), h.register(t, "")
	release := make(chan struct{})
	h.store.set(func(s *hookStore) {
		s.onUpdate = func(ctx context.Context, _ sdk.Client) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	answered := make(chan error, 1)
	go func() {
		_, err := h.p.Read(t.Context(), Request{Authorization: "Bearer " + owner.RegistrationAccessToken, ClientID: other.ClientID})
		answered <- err
	}()
	select {
	case err := <-answered:
		if status(err) != http.StatusUnauthorized {
			t.Fatalf("got %v, want 401", err)
		}
	case <-time.After(3 * time.Second):
		close(release)
		t.Fatal("the 401 waited for the revocation's store write")
	}
	close(release)
	h.p.Wait()
	h.store.set(func(s *hookStore) { s.onUpdate = nil })
	if _, err := h.p.Read(t.Context(), manage(owner)); !errors.Is(err, sdk.ErrInvalidToken()) {
		t.Fatalf("the presented token still works after the background revocation: %v", err)
	}
}

// TestRevokeBackgroundIsBounded: one background revocation per token at a
// time, and at most revokeLimit in all; past the limit the revocation is a
// single attempt within the request, so that it is still revoked.
func TestRevokeBackgroundIsBounded(t *testing.T) {
	h := newHarness(t, sdk.RotateOnUpdate)
	h.p.revokeLimit = 1
	h.p.revokeInline = 50 * time.Millisecond
	first, second, other := h.register(t, ""), h.register(t, ""), h.register(t, "")
	release := make(chan struct{})
	var firstWrites atomic.Int32
	h.store.set(func(s *hookStore) {
		s.onUpdate = func(ctx context.Context, c sdk.Client) error {
			if c.ID != first.ClientID {
				return nil
			}
			firstWrites.Add(1)
			select { // holds the first token's revocation in the background
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	misuse := func(c clientInfo) {
		t.Helper()
		_, err := h.p.Read(t.Context(), Request{Authorization: "Bearer " + c.RegistrationAccessToken, ClientID: other.ClientID})
		if status(err) != http.StatusUnauthorized {
			t.Fatalf("got %v, want 401", err)
		}
	}
	misuse(first)
	misuse(first) // in flight already: no second revocation
	// The background is full: the second token is revoked within the
	// request.
	misuse(second)
	if _, err := h.store.GetByRegistrationToken(t.Context(), sdk.HashToken(second.RegistrationAccessToken)); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("past the limit, the token was not revoked within the request: %v", err)
	}
	close(release)
	h.p.Wait()
	if n := firstWrites.Load(); n != 2 {
		t.Errorf("%d revocation writes for the first token, want 2 (the first attempt within the request, one in the background)", n)
	}
	if _, err := h.store.GetByRegistrationToken(t.Context(), sdk.HashToken(first.RegistrationAccessToken)); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("the first token was not revoked: %v", err)
	}
}

func TestRetryBackoff(t *testing.T) {
	r := retryPolicy{attempts: 10, base: 10 * time.Millisecond, max: 80 * time.Millisecond, budget: time.Second}
	for n, want := range map[int]time.Duration{1: 10, 2: 20, 3: 40, 4: 80, 5: 80, 9: 80} {
		want *= time.Millisecond
		for range 50 {
			if d := r.backoff(n); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
	if d := (retryPolicy{}).backoff(3); d != 0 {
		t.Errorf("zero policy: backoff %v, want 0", d)
	}
}

// TestRevokeRegistrationToken: the operator's revocation (registrar client
// revoke-token) kills a live token, retries a concurrent write, and tells
// an already revoked token and an unknown client apart.
func TestRevokeRegistrationToken(t *testing.T) {
	tests := []struct {
		name        string
		prepare     func(t *testing.T, h *harness, c clientInfo) string // returns the client id to revoke
		hook        func(h *harness, call int, ctx context.Context, c sdk.Client) error
		wantRevoked bool
		wantErr     error
		wantDead    bool
	}{
		{name: "live token", wantRevoked: true, wantDead: true},
		{name: "already revoked", wantDead: true,
			prepare: func(t *testing.T, h *harness, c clientInfo) string {
				if _, err := RevokeRegistrationToken(t.Context(), h.store, c.ClientID, time.Now()); err != nil {
					t.Fatal(err)
				}
				return c.ClientID
			}},
		{name: "unknown client", wantErr: sdk.ErrNotFound,
			prepare: func(*testing.T, *harness, clientInfo) string { return "no-such-client" }},
		{name: "concurrent update", wantRevoked: true, wantDead: true,
			hook: func(h *harness, call int, ctx context.Context, c sdk.Client) error {
				if call == 1 {
					cur, err := h.store.Get(ctx, c.ID)
					if err != nil {
						return err
					}
					cur.Metadata.ClientName = "renamed meanwhile"
					_, err = h.store.Update(ctx, cur)
					return err
				}
				return nil
			}},
		{name: "store unavailable", wantErr: sdk.ErrUnavailable,
			hook: func(*harness, int, context.Context, sdk.Client) error { return sdk.ErrUnavailable }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sdk.RotateOnUpdate)
			c := h.register(t, "")
			id := c.ClientID
			if tc.prepare != nil {
				id = tc.prepare(t, h, c)
			}
			var calls atomic.Int32
			if tc.hook != nil {
				h.store.set(func(s *hookStore) {
					s.onUpdate = func(ctx context.Context, cl sdk.Client) error { return tc.hook(h, int(calls.Add(1)), ctx, cl) }
				})
			}
			revoked, err := RevokeRegistrationToken(t.Context(), h.store, id, time.Now())
			if revoked != tc.wantRevoked || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("revoked %v, err %v; want %v, %v", revoked, err, tc.wantRevoked, tc.wantErr)
			}
			h.store.set(func(s *hookStore) { s.onUpdate = nil })
			_, err = h.p.Read(t.Context(), manage(c))
			if dead := errors.Is(err, sdk.ErrInvalidToken()); dead != tc.wantDead {
				t.Fatalf("token dead: %v (%v), want %v", dead, err, tc.wantDead)
			}
		})
	}
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

// conflictStore is a memory store whose UpdateToken first fails with
// ErrConflict a number of times, as when other replicas write the token
// between this replica's read and write; each such conflict also counts a
// use, as the other replica's registration would.
type conflictStore struct {
	*memory.Store
	conflicts atomic.Int64 // remaining conflicts
	forever   bool         // conflict on every write
}

func (s *conflictStore) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	if s.forever || s.conflicts.Add(-1) >= 0 {
		cur, err := s.Store.GetToken(ctx, t.Hash)
		if err != nil {
			return sdk.InitialAccessToken{}, err
		}
		cur.Uses++ // the other replica's registration
		if _, err := s.Store.UpdateToken(ctx, cur); err != nil {
			return sdk.InitialAccessToken{}, err
		}
		return sdk.InitialAccessToken{}, fmt.Errorf("token %s: %w", t.ID, sdk.ErrConflict)
	}
	return s.Store.UpdateToken(ctx, t)
}

// TestConsumeConcurrent: 100 registrations at once with one token, on one
// replica or spread over several sharing the store. While uses remain all
// succeed; beyond them the rest get 401; the count is exact; no lock is
// left behind.
func TestConsumeConcurrent(t *testing.T) {
	const callers = 100
	tests := []struct {
		name     string
		maxUses  int64
		replicas int
		wantOK   int
	}{
		{"unlimited, one replica", 0, 1, callers},
		{"1000 uses, one replica", 1000, 1, callers},
		{"100 uses, one replica", callers, 1, callers},
		{"7 uses, one replica", 7, 1, 7},
		{"1 use, one replica", 1, 1, 1},
		{"unlimited, four replicas", 0, 4, callers},
		{"7 uses, four replicas", 7, 4, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			store := memory.New()
			plain, rec, err := IssueToken(ctx, store, TokenRequest{Profile: "p", MaxUses: tc.maxUses}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			replicas := make([]*Authenticator, tc.replicas)
			for i := range replicas {
				replicas[i] = New(Options{Store: store, IssuedTokenProfiles: []string{"p"}})
			}
			var ok, spent atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, callers)
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					p, err := replicas[i%tc.replicas].Authenticate(ctx, "Bearer "+plain)
					if err == nil {
						_, err = p.Consume(ctx)
					}
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, sdk.ErrInvalidToken()):
						spent.Add(1)
					default:
						errs <- err
					}
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("unexpected answer: %v", err)
			}
			if ok.Load() != int64(tc.wantOK) || spent.Load() != int64(callers-tc.wantOK) {
				t.Fatalf("%d consumed and %d refused, want %d and %d", ok.Load(), spent.Load(), tc.wantOK, callers-tc.wantOK)
			}
			got, err := store.GetToken(ctx, rec.Hash)
			if err != nil || got.Uses != int64(tc.wantOK) {
				t.Fatalf("uses = %d (%v), want %d", got.Uses, err, tc.wantOK)
			}
			for _, a := range replicas {
				a.locks.mu.Lock()
				n := len(a.locks.locks)
				a.locks.mu.Unlock()
				if n != 0 {
					t.Errorf("%d token locks left behind", n)
				}
			}
		})
	}
}

// TestConsumeConflictsWithOtherReplicas: conflicts caused by other
// replicas' writes are retried, however many, until the request's context
// ends; then the answer is 503, and the count stays exact throughout.
func TestConsumeConflictsWithOtherReplicas(t *testing.T) {
	tests := []struct {
		name       string
		conflicts  int64 // -1: forever
		maxUses    int64
		timeout    time.Duration
		wantStatus int
		wantUses   int64 // the other replicas' uses plus ours
	}{
		{"one conflict", 1, 0, 5 * time.Second, http.StatusOK, 2},
		{"more conflicts than the old fixed bound of 16", 20, 0, 10 * time.Second, http.StatusOK, 21},
		{"others spend the last use", 3, 3, 5 * time.Second, http.StatusUnauthorized, 3},
		{"conflicts until the deadline", -1, 0, 300 * time.Millisecond, http.StatusServiceUnavailable, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &conflictStore{Store: memory.New(), forever: tc.conflicts < 0}
			plain, rec, err := IssueToken(t.Context(), store, TokenRequest{Profile: "p", MaxUses: tc.maxUses}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			store.conflicts.Store(tc.conflicts)
			a := New(Options{Store: store, IssuedTokenProfiles: []string{"p"}})
			p, err := a.Authenticate(t.Context(), "Bearer "+plain)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), tc.timeout)
			defer cancel()
			begin := time.Now()
			_, err = p.Consume(ctx)
			if got := statusOf(err); got != tc.wantStatus {
				t.Fatalf("Consume: %v (status %d), want %d", err, got, tc.wantStatus)
			}
			if tc.wantStatus == http.StatusServiceUnavailable && time.Since(begin) > tc.timeout+time.Second {
				t.Errorf("Consume took %v past a %v deadline", time.Since(begin), tc.timeout)
			}
			if tc.wantUses >= 0 {
				got, _ := store.Store.GetToken(t.Context(), rec.Hash)
				if got.Uses != tc.wantUses {
					t.Errorf("uses = %d, want %d", got.Uses, tc.wantUses)
				}
			}
		})
	}
}

// TestConsumeWaitsWithinContext: a caller waiting for its turn on a busy
// token gives up with 503 when its context ends, and leaves no lock.
func TestConsumeWaitsWithinContext(t *testing.T) {
	store := memory.New()
	plain, _, err := IssueToken(t.Context(), store, TokenRequest{Profile: "p"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Store: store, IssuedTokenProfiles: []string{"p"}})
	p, err := a.Authenticate(t.Context(), "Bearer "+plain)
	if err != nil {
		t.Fatal(err)
	}
	held, err := a.locks.lock(t.Context(), p.token.ID) // another request's turn
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Consume(ctx); statusOf(err) != http.StatusServiceUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Consume while the token is busy: %v, want 503 with the deadline as cause", err)
	}
	a.locks.unlock(p.token.ID, held)
	a.locks.mu.Lock()
	n := len(a.locks.locks)
	a.locks.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d locks left behind", n)
	}
	release, err := p.Consume(t.Context())
	if err != nil {
		t.Fatalf("Consume once the token is free: %v", err)
	}
	release(t.Context())
	if tok, _ := store.GetToken(t.Context(), p.token.Hash); tok.Uses != 0 {
		t.Fatalf("uses = %d after a release, want 0", tok.Uses)
	}
}

// TestReleaseConcurrent: uses given back concurrently with new ones keep
// the count exact.
func TestReleaseConcurrent(t *testing.T) {
	store := memory.New()
	plain, rec, err := IssueToken(t.Context(), store, TokenRequest{Profile: "p"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Store: store, IssuedTokenProfiles: []string{"p"}})
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := a.Authenticate(t.Context(), "Bearer "+plain)
			if err != nil {
				t.Error(err)
				return
			}
			release, err := p.Consume(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			if i%3 == 0 { // a third of the registrations fail and give the use back
				release(context.WithoutCancel(t.Context()))
			}
		}()
	}
	wg.Wait()
	if tok, _ := store.GetToken(t.Context(), rec.Hash); tok.Uses != 40 {
		t.Fatalf("uses = %d, want 40", tok.Uses)
	}
}

// statusOf is the HTTP status of err: 200 for nil, its *sdk.Error's, or
// 500.
func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if e, ok := sdk.AsError(err); ok {
		return e.Status
	}
	return http.StatusInternalServerError
}

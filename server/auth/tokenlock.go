package auth

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// tokenLocks serialises, within one process, the writes of each issued
// initial access token's use count. Concurrent registrations with one
// token then take turns instead of racing each other's compare-and-swap:
// only writes of other replicas (or of the CLI) can still conflict. An
// entry lives while someone holds or waits for it.
type tokenLocks struct {
	mu    sync.Mutex
	locks map[string]*tokenLock
}

// tokenLock is the lock of one token. sem holds one value while the lock
// is held; latest is the record as this process last wrote it, so the next
// holder starts from it rather than from an older snapshot.
type tokenLock struct {
	sem    chan struct{}
	refs   int // holders and waiters, guarded by tokenLocks.mu
	latest *sdk.InitialAccessToken
}

func newTokenLocks() *tokenLocks { return &tokenLocks{locks: map[string]*tokenLock{}} }

// lock waits for the lock of the token id, or until ctx is done.
func (ls *tokenLocks) lock(ctx context.Context, id string) (*tokenLock, error) {
	ls.mu.Lock()
	l := ls.locks[id]
	if l == nil {
		l = &tokenLock{sem: make(chan struct{}, 1)}
		ls.locks[id] = l
	}
	l.refs++
	ls.mu.Unlock()
	select {
	case l.sem <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		ls.drop(id, l)
		return nil, ctx.Err()
	}
}

// unlock releases the lock of the token id taken with lock.
func (ls *tokenLocks) unlock(id string, l *tokenLock) {
	<-l.sem
	ls.drop(id, l)
}

func (ls *tokenLocks) drop(id string, l *tokenLock) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(ls.locks, id)
	}
}

// newer returns the fresher of t and the record this process last wrote.
func (l *tokenLock) newer(t sdk.InitialAccessToken) sdk.InitialAccessToken {
	if l.latest != nil && l.latest.Revision > t.Revision {
		return *l.latest
	}
	return t
}

// Backoff between compare-and-swap attempts that conflicted with another
// replica's write: consumeBackoffBase doubling up to consumeBackoffMax,
// the upper half random so that replicas do not collide again in step.
const (
	consumeBackoffBase = 2 * time.Millisecond
	consumeBackoffMax  = 100 * time.Millisecond
)

// conflictBackoff waits before the attempt after the n-th conflict (n ≥ 1),
// or until ctx is done; it reports whether the wait ended normally.
func conflictBackoff(ctx context.Context, n int) bool {
	d := consumeBackoffBase
	for i := 1; i < n && d < consumeBackoffMax; i++ {
		d *= 2
	}
	d = min(d, consumeBackoffMax)
	t := time.NewTimer(d/2 + rand.N(d/2))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

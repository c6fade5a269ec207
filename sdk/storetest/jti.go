package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// Cases of MarkJTIUsed.
//
// The times the cases pass lie a year after the wall clock: a store that
// also drops records by the wall clock (a MongoDB TTL index) keeps them for
// the duration of the test, and a store that compares expiresAt with the
// wall clock instead of now fails.

// jtiBase returns the base time of the MarkJTIUsed cases.
func jtiBase() int64 { return time.Now().Unix() + 365*24*3600 }

// jtiKey is a replay key as the server builds it: issuer and jti.
func jtiKey(jti string) string { return "https://directory.example.com\x00" + jti }

func mustMarkJTI(t *testing.T, s sdk.JTIStore, key string, expiresAt, now int64) {
	t.Helper()
	if err := s.MarkJTIUsed(t.Context(), key, expiresAt, now); err != nil {
		t.Fatalf("MarkJTIUsed(%q, expires %d, now %d): %v", key, expiresAt, now, err)
	}
}

func requireReplay(t *testing.T, s sdk.JTIStore, key string, expiresAt, now int64) {
	t.Helper()
	err := s.MarkJTIUsed(t.Context(), key, expiresAt, now)
	requireErr(t, fmt.Sprintf("MarkJTIUsed(%q, expires %d, now %d) of a recorded key", key, expiresAt, now), err, sdk.ErrAlreadyExists)
}

func testMarkJTIUsedReplay(t *testing.T, s sdk.JTIStore) {
	base := jtiBase()
	key := jtiKey("jti-1")
	mustMarkJTI(t, s, key, base+600, base)

	// Every later use before the record expires is a replay, whatever
	// expiry the replayed statement claims.
	for _, tc := range []struct {
		name           string
		expiresAt, now int64
	}{
		{"same statement", base + 600, base},
		{"a second later", base + 600, base + 1},
		{"claiming a later expiry", base + 7200, base + 300},
		{"claiming an earlier expiry", base + 10, base + 5},
		{"one second before expiry", base + 600, base + 599},
	} {
		t.Run(tc.name, func(t *testing.T) { requireReplay(t, s, key, tc.expiresAt, tc.now) })
	}

	// Keys are compared exactly: other jtis and other issuers are distinct.
	for _, other := range []string{
		jtiKey("jti-2"), jtiKey("JTI-1"), jtiKey("jti-1 "),
		"https://other.example.com\x00jti-1", "",
	} {
		mustMarkJTI(t, s, other, base+600, base)
	}
	requireReplay(t, s, jtiKey("jti-2"), base+600, base+1)
	requireReplay(t, s, "", base+600, base+1)
}

func testMarkJTIUsedExpired(t *testing.T, s sdk.JTIStore) {
	base := jtiBase()
	key := jtiKey("jti-exp")
	mustMarkJTI(t, s, key, base+100, base)

	// At expiresAt the record has expired (a replay needs expiresAt > now),
	// and is replaced.
	mustMarkJTI(t, s, key, base+200, base+100)
	// The replacement holds the new expiry: still a replay before it...
	requireReplay(t, s, key, base+300, base+150)
	requireReplay(t, s, key, base+300, base+199)
	// ... and replaced again after it.
	mustMarkJTI(t, s, key, base+1000, base+500)
	requireReplay(t, s, key, base+1000, base+999)

	// A record that was already expired when it was written is replaced by
	// the next use.
	stale := jtiKey("jti-stale")
	mustMarkJTI(t, s, stale, base-10, base)
	mustMarkJTI(t, s, stale, base+60, base)
	requireReplay(t, s, stale, base+60, base+1)
}

// testConcurrentMarkJTIUsed races first uses of one key, then uses of one
// expired record: each time exactly one caller succeeds and the others see
// a replay.
func testConcurrentMarkJTIUsed(t *testing.T, s sdk.JTIStore) {
	base := jtiBase()
	race := func(name, key string, expiresAt, now int64) {
		t.Helper()
		errs := make([]error, concurrency)
		together(concurrency, func(i int) func() {
			return func() { errs[i] = s.MarkJTIUsed(t.Context(), key, expiresAt, now) }
		})
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, sdk.ErrAlreadyExists):
				t.Errorf("%s: caller %d: %v, want nil or ErrAlreadyExists", name, i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%s: %d of %d concurrent MarkJTIUsed calls succeeded, want exactly 1", name, wins, concurrency)
		}
	}
	key := jtiKey("jti-race")
	race("first use", key, base+100, base)
	requireReplay(t, s, key, base+100, base+50)
	race("use of an expired record", key, base+300, base+200)
	requireReplay(t, s, key, base+300, base+250)
}

func testJTICanceledContext(t *testing.T, s sdk.JTIStore) {
	base := jtiBase()
	mustMarkJTI(t, s, jtiKey("jti-existing"), base+600, base)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	err := s.MarkJTIUsed(ctx, jtiKey("jti-canceled"), base+600, base)
	requireFailure(t, "MarkJTIUsed", err)
	err = s.MarkJTIUsed(ctx, jtiKey("jti-existing"), base+600, base)
	requireFailure(t, "MarkJTIUsed of a recorded key", err)

	// Nothing was written.
	mustMarkJTI(t, s, jtiKey("jti-canceled"), base+600, base)
	requireReplay(t, s, jtiKey("jti-existing"), base+600, base)
}

func testJTIHealth(t *testing.T, s sdk.JTIStore) {
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	base := jtiBase()
	mustMarkJTI(t, s, jtiKey("jti-health"), base+600, base)
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health after a write: %v", err)
	}
}

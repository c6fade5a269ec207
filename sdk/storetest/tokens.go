package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// Cases of the initial access token methods: CreateToken, GetToken,
// ListTokens and UpdateToken.

func testCreateTokenRoundTrip(t *testing.T, s sdk.TokenStore) {
	for _, tc := range []struct {
		name string
		in   sdk.InitialAccessToken
	}{
		{"every field", SampleToken("iat-full")},
		{"only identity", sdk.InitialAccessToken{ID: "iat-min", Hash: TokenHash("iat:iat-min")}},
		{"usable, no limits", sdk.InitialAccessToken{ID: "iat-open", Hash: TokenHash("iat:iat-open"), Profile: "default", CreatedAt: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustCreateToken(t, s, tc.in)
			want := tc.in
			want.Revision = 1
			requireSameToken(t, "CreateToken result", want, got)
			requireTokenStored(t, s, want)
		})
	}
}

func testCreateTokenSetsRevision(t *testing.T, s sdk.TokenStore) {
	for _, rev := range []int64{0, 1, 42, -7} {
		in := SampleToken(fmt.Sprintf("iat-rev-%d", rev))
		in.Revision = rev
		got := mustCreateToken(t, s, in)
		if got.Revision != 1 {
			t.Errorf("CreateToken with Revision %d: result has Revision %d, want 1", rev, got.Revision)
		}
		if stored := mustGetToken(t, s, in.Hash); stored.Revision != 1 {
			t.Errorf("CreateToken with Revision %d: stored Revision %d, want 1", rev, stored.Revision)
		}
	}
}

func testCreateTokenDuplicateID(t *testing.T, s sdk.TokenStore) {
	orig := mustCreateToken(t, s, SampleToken("iat-dup"))

	dup := SampleToken("iat-dup")
	dup.Hash = TokenHash("iat:impostor")
	dup.Profile = "impostor"
	_, err := s.CreateToken(t.Context(), dup)
	requireErr(t, "CreateToken of an existing ID", err, sdk.ErrAlreadyExists)

	requireTokenStored(t, s, orig)
	_, err = s.GetToken(t.Context(), dup.Hash)
	requireErr(t, "GetToken of the rejected duplicate's hash", err, sdk.ErrNotFound)
	requireTokenList(t, s, orig)
}

func testCreateTokenDuplicateHash(t *testing.T, s sdk.TokenStore) {
	orig := mustCreateToken(t, s, SampleToken("iat-orig"))

	dup := SampleToken("iat-other")
	dup.Hash = orig.Hash
	_, err := s.CreateToken(t.Context(), dup)
	requireErr(t, "CreateToken of an existing hash under another ID", err, sdk.ErrAlreadyExists)

	requireTokenStored(t, s, orig)
	requireTokenList(t, s, orig)
}

func testCreateTokenEmptyIdentity(t *testing.T, s sdk.TokenStore) {
	for _, tc := range []struct {
		name string
		in   sdk.InitialAccessToken
	}{
		{"empty ID", sdk.InitialAccessToken{Hash: TokenHash("iat:no-id"), Profile: "default"}},
		{"empty Hash", sdk.InitialAccessToken{ID: "iat-no-hash", Profile: "default"}},
		{"both empty", sdk.InitialAccessToken{Profile: "default"}},
	} {
		_, err := s.CreateToken(t.Context(), tc.in)
		requireRefusal(t, "CreateToken with "+tc.name, err)
	}
	requireTokenList(t, s)
	_, err := s.GetToken(t.Context(), "")
	requireErr(t, `GetToken("")`, err, sdk.ErrNotFound)
}

func testGetTokenNotFound(t *testing.T, s sdk.TokenStore) {
	present := mustCreateToken(t, s, SampleToken("iat-present"))
	for _, tc := range []struct{ name, hash string }{
		{"unknown hash", TokenHash("iat:nobody")},
		{"empty hash", ""},
		{"ID instead of hash", present.ID},
		{"upper-cased hash", strings.ToUpper(present.Hash)},
		{"hash with a trailing space", present.Hash + " "},
	} {
		_, err := s.GetToken(t.Context(), tc.hash)
		requireErr(t, "GetToken: "+tc.name, err, sdk.ErrNotFound)
	}
}

func testListTokens(t *testing.T, s sdk.TokenStore) {
	if got, err := s.ListTokens(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("ListTokens of an empty store = %v, %v; want none, nil", got, err)
	}

	// Created out of order, with ties on CreatedAt that ID breaks, revoked
	// and expired tokens among them.
	mk := func(id string, createdAt int64) sdk.InitialAccessToken {
		tok := SampleToken(id)
		tok.CreatedAt = createdAt
		return tok
	}
	expired := mk("iat-c", 300)
	expired.ExpiresAt, expired.Revoked = 301, false
	var want []sdk.InitialAccessToken
	for _, in := range []sdk.InitialAccessToken{
		mk("iat-b", 200), expired, mk("iat-a", 300), mk("iat-z", 100), mk("iat-B", 300), mk("iat-aa", 300),
	} {
		want = append(want, mustCreateToken(t, s, in))
	}
	slices.SortFunc(want, func(a, b sdk.InitialAccessToken) int {
		return cmp.Or(cmp.Compare(a.CreatedAt, b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	// iat-z (100), iat-b (200), then iat-B, iat-a, iat-aa, iat-c (300).
	requireTokenList(t, s, want...)

	// An update keeps the order, and the list shows the new values.
	upd := want[0]
	upd.Uses++
	want[0] = mustUpdateToken(t, s, upd)
	requireTokenList(t, s, want...)
}

// nextToken returns a new version of tok: every mutable field changed.
func nextToken(tok sdk.InitialAccessToken) sdk.InitialAccessToken {
	tok.Profile = "renamed-" + tok.Profile
	tok.Description = "updated «" + tok.ID + "»"
	tok.CreatedAt++
	tok.ExpiresAt = 1800000000
	tok.MaxUses = 9
	tok.Uses++
	tok.Revoked = !tok.Revoked
	return tok
}

func testUpdateToken(t *testing.T, s sdk.TokenStore) {
	created := mustCreateToken(t, s, SampleToken("iat-upd"))

	next := nextToken(created)
	got := mustUpdateToken(t, s, next)
	want := next
	want.Revision = created.Revision + 1
	requireSameToken(t, "UpdateToken result", want, got)
	requireTokenStored(t, s, want)

	// A second update from the returned record advances again, and can
	// clear what the first one set.
	again := got
	again.Revoked, again.Description, again.Profile, again.ExpiresAt, again.MaxUses = false, "", "", 0, 0
	got2 := mustUpdateToken(t, s, again)
	want2 := again
	want2.Revision = created.Revision + 2
	requireSameToken(t, "second UpdateToken result", want2, got2)
	requireTokenStored(t, s, want2)
	requireTokenList(t, s, want2)
}

func testUpdateTokenStaleRevision(t *testing.T, s sdk.TokenStore) {
	created := mustCreateToken(t, s, SampleToken("iat-stale"))
	current := mustUpdateToken(t, s, nextToken(created)) // Revision 2

	for _, rev := range []int64{current.Revision - 1, current.Revision + 1, 0, -1} {
		stale := nextToken(current)
		stale.Description = "lost update"
		stale.Revision = rev
		_, err := s.UpdateToken(t.Context(), stale)
		requireErr(t, fmt.Sprintf("UpdateToken with Revision %d (stored %d)", rev, current.Revision), err, sdk.ErrConflict)
		requireTokenStored(t, s, current)
	}
}

func testUpdateTokenNotFound(t *testing.T, s sdk.TokenStore) {
	other := mustCreateToken(t, s, SampleToken("iat-other"))
	for _, rev := range []int64{1, 0} {
		ghost := SampleToken("iat-ghost")
		ghost.Revision = rev
		_, err := s.UpdateToken(t.Context(), ghost)
		requireErr(t, fmt.Sprintf("UpdateToken of an unknown token (Revision %d)", rev), err, sdk.ErrNotFound)
	}
	// The hash of an existing token under an unknown ID is not found
	// either: an update is keyed by ID.
	byHash := other
	byHash.ID = "iat-ghost"
	_, err := s.UpdateToken(t.Context(), byHash)
	requireErr(t, "UpdateToken of an unknown ID holding another token's hash", err, sdk.ErrNotFound)

	_, err = s.GetToken(t.Context(), TokenHash("iat:iat-ghost"))
	requireErr(t, "GetToken after a failed UpdateToken", err, sdk.ErrNotFound)
	requireTokenList(t, s, other)
}

// testUpdateTokenHashImmutable: the Hash is the token's identity, as the ID
// is. An UpdateToken that changes it is refused with an error that is no
// store sentinel (it is a bug of the caller, not an answer about the data)
// and changes nothing.
func testUpdateTokenHashImmutable(t *testing.T, s sdk.TokenStore) {
	created := mustCreateToken(t, s, SampleToken("iat-fixed"))
	other := mustCreateToken(t, s, SampleToken("iat-neighbour"))

	for _, tc := range []struct{ name, hash string }{
		{"a new hash", TokenHash("iat:iat-fixed:2")},
		{"another token's hash", other.Hash},
		{"the empty hash", ""},
	} {
		changed := nextToken(created)
		changed.Hash = tc.hash
		_, err := s.UpdateToken(t.Context(), changed)
		requireRefusal(t, "UpdateToken to "+tc.name, err)
		requireTokenStored(t, s, created)
		requireTokenStored(t, s, other)
	}
	_, err := s.GetToken(t.Context(), TokenHash("iat:iat-fixed:2"))
	requireErr(t, "GetToken of the refused hash", err, sdk.ErrNotFound)
	requireTokenList(t, s, created, other)
}

// testConcurrentTokenUpdates races writers of one revision: exactly one
// wins, the others fail with ErrConflict.
func testConcurrentTokenUpdates(t *testing.T, s sdk.TokenStore) {
	base := mustCreateToken(t, s, SampleToken("iat-race"))

	type result struct {
		tok sdk.InitialAccessToken
		err error
	}
	results := make([]result, concurrency)
	together(concurrency, func(i int) func() {
		tok := base
		tok.Description = fmt.Sprintf("writer %d", i)
		tok.Uses = int64(100 + i)
		return func() {
			got, err := s.UpdateToken(t.Context(), tok)
			results[i] = result{got, err}
		}
	})

	winner := -1
	for i, r := range results {
		switch {
		case r.err == nil:
			if winner >= 0 {
				t.Errorf("writers %d and %d both updated revision %d", winner, i, base.Revision)
			}
			winner = i
		case !errors.Is(r.err, sdk.ErrConflict):
			t.Errorf("writer %d: error %v, want ErrConflict", i, r.err)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent UpdateTokens succeeded", concurrency)
	}
	if got := results[winner].tok.Revision; got != base.Revision+1 {
		t.Errorf("winning UpdateToken: Revision %d, want %d", got, base.Revision+1)
	}
	requireTokenStored(t, s, results[winner].tok)
}

// testConcurrentTokenUses is how the server spends a use of a token: read
// it, check it is usable, count the use, write it back, and start over on
// ErrConflict. Of 16 concurrent callers of a one-use token exactly one may
// succeed.
func testConcurrentTokenUses(t *testing.T, s sdk.TokenStore) {
	const now = 1700000100
	in := sdk.InitialAccessToken{
		ID: "iat-once", Hash: TokenHash("iat:iat-once"), Profile: "default",
		CreatedAt: 1700000000, ExpiresAt: 1700003600, MaxUses: 1,
	}
	mustCreateToken(t, s, in)

	errUsedUp := errors.New("token used up")
	use := func() error {
		for range 100 {
			tok, err := s.GetToken(t.Context(), in.Hash)
			if err != nil {
				return err
			}
			if !tok.Usable(now) {
				return errUsedUp
			}
			tok.Uses++
			_, err = s.UpdateToken(t.Context(), tok)
			if !errors.Is(err, sdk.ErrConflict) {
				return err
			}
		}
		return errors.New("still conflicting after 100 attempts")
	}
	errs := make([]error, concurrency)
	together(concurrency, func(i int) func() {
		return func() { errs[i] = use() }
	})

	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, errUsedUp):
			t.Errorf("caller %d: %v, want success or a used-up token", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent callers used a one-use token, want exactly 1", wins, concurrency)
	}
	want := in
	want.Uses, want.Revision = 1, 2
	requireTokenStored(t, s, want)
}

// testTokenRecordsAreValues: changing what the caller passed in or got
// back (ListTokens' slice included) never changes the stored records.
func testTokenRecordsAreValues(t *testing.T, s sdk.TokenStore) {
	a := mustCreateToken(t, s, SampleToken("iat-a"))
	b := mustCreateToken(t, s, SampleToken("iat-b"))

	list, err := s.ListTokens(t.Context())
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	for i := range list {
		list[i].Uses = 99
		list[i].Profile = "scribbled"
	}
	if len(list) > 0 {
		list[0] = sdk.InitialAccessToken{}
	}
	requireTokenList(t, s, a, b)

	got := mustGetToken(t, s, a.Hash)
	got.Revoked = !got.Revoked
	requireTokenStored(t, s, a)
}

// Helpers.

func mustCreateToken(t *testing.T, s sdk.TokenStore, tok sdk.InitialAccessToken) sdk.InitialAccessToken {
	t.Helper()
	got, err := s.CreateToken(t.Context(), tok)
	if err != nil {
		t.Fatalf("CreateToken(%q): %v", tok.ID, err)
	}
	return got
}

func mustUpdateToken(t *testing.T, s sdk.TokenStore, tok sdk.InitialAccessToken) sdk.InitialAccessToken {
	t.Helper()
	got, err := s.UpdateToken(t.Context(), tok)
	if err != nil {
		t.Fatalf("UpdateToken(%q, revision %d): %v", tok.ID, tok.Revision, err)
	}
	if got.Revision != tok.Revision+1 {
		t.Fatalf("UpdateToken(%q, revision %d): result has Revision %d, want %d", tok.ID, tok.Revision, got.Revision, tok.Revision+1)
	}
	return got
}

func mustGetToken(t *testing.T, s sdk.TokenStore, hash string) sdk.InitialAccessToken {
	t.Helper()
	got, err := s.GetToken(t.Context(), hash)
	if err != nil {
		t.Fatalf("GetToken(%.12s…): %v", hash, err)
	}
	return got
}

// requireTokenStored fails unless GetToken(want.Hash) returns want,
// Revision included.
func requireTokenStored(t *testing.T, s sdk.TokenStore, want sdk.InitialAccessToken) {
	t.Helper()
	requireSameToken(t, fmt.Sprintf("GetToken(hash of %s)", want.ID), want, mustGetToken(t, s, want.Hash))
}

// requireTokenList fails unless ListTokens returns exactly want, in order.
func requireTokenList(t *testing.T, s sdk.TokenStore, want ...sdk.InitialAccessToken) {
	t.Helper()
	got, err := s.ListTokens(t.Context())
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	if !slices.Equal(got, want) {
		ids := func(l []sdk.InitialAccessToken) []string {
			out := make([]string, len(l))
			for i, tok := range l {
				out[i] = fmt.Sprintf("%s@%d", tok.ID, tok.CreatedAt)
			}
			return out
		}
		t.Fatalf("ListTokens = %v, want %v\n got %+v\nwant %+v", ids(got), ids(want), got, want)
	}
}

func requireSameToken(t *testing.T, what string, want, got sdk.InitialAccessToken) {
	t.Helper()
	if got != want {
		t.Fatalf("%s differs from the expected record:\nwant %+v\n got %+v", what, want, got)
	}
}

// requireRefusal fails unless err refuses an invalid argument: an error
// that is none of the store sentinels, which answer about the data, and not
// sdk.ErrUnavailable either (a retry would not change the answer).
func requireRefusal(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded, want it refused", what)
	}
	for _, sentinel := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict, sdk.ErrUnavailable} {
		if errors.Is(err, sentinel) {
			t.Fatalf("%s: error %v matches %v, want an error that is no store sentinel", what, err, sentinel)
		}
	}
}

func testTokenCanceledContext(t *testing.T, s sdk.TokenStore) {
	token := mustCreateToken(t, s, SampleToken("iat-existing"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := s.CreateToken(ctx, SampleToken("iat-canceled"))
	requireFailure(t, "CreateToken", err)
	_, err = s.GetToken(ctx, token.Hash)
	requireFailure(t, "GetToken", err)
	_, err = s.ListTokens(ctx)
	requireFailure(t, "ListTokens", err)
	_, err = s.UpdateToken(ctx, nextToken(token))
	requireFailure(t, "UpdateToken", err)

	// Nothing was written.
	requireTokenList(t, s, token)
}

func testTokenHealth(t *testing.T, s sdk.TokenStore) {
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	mustCreateToken(t, s, SampleToken("iat-health"))
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health after a write: %v", err)
	}
}

package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// Run runs the whole conformance suite (RunClients, RunTokens and RunJTI)
// against the stores that newStore makes: every store that implements all
// of sdk.Store runs it.
//
// Every case is a named subtest (t.Run) that calls newStore once and expects
// an empty store of its own; newStore registers the store's cleanup with
// t.Cleanup. Cases run sequentially; some of them drive a store from many
// goroutines at once (16 writers on one record, 200 distinct creates, 16
// first uses of one jti), so run the suite with -race as well.
//
// The contract checked, beyond the sdk.Store documentation (RunClients
// checks the rules on clients, RunTokens those on initial access tokens,
// RunJTI those on jtis; the last two rules apply to each part):
//
//   - Create stores the record exactly as given except Revision, which is 1
//     whatever the caller set; Get returns it equal after Normalize, even
//     with metadata nested sdk.MaxDepthLimit levels deep (the most
//     sdk.ParseMetadata accepts). A
//     duplicate client_id fails with sdk.ErrAlreadyExists and changes
//     nothing (the loser's registration token hash is not indexed).
//   - GetByRegistrationToken finds a record by its current hash only; an
//     unknown or empty hash is sdk.ErrNotFound, and several revoked clients
//     (empty hash) may coexist.
//   - Update replaces the whole record (it never merges) when c.Revision is
//     the stored one and returns it with Revision+1; otherwise it fails with
//     sdk.ErrConflict (record exists) or sdk.ErrNotFound (it does not) and
//     changes nothing. An old registration token hash stops matching.
//   - Delete follows the same revision rule; a deleted client_id may be
//     created again and starts over at Revision 1.
//   - Among concurrent writers of one revision exactly one wins; among
//     concurrent creators of one client_id exactly one wins.
//   - Records are values: changing what the caller passed in or got back
//     never changes the stored record.
//   - CountClients counts the clients whose Profile is exactly the given
//     one (revoked clients included; an unknown profile is 0, not
//     ErrNotFound), following creates, profile changes and deletes.
//   - CreateToken stores an initial access token exactly as given except
//     Revision (1); GetToken finds it by its exact Hash, ListTokens lists
//     every token ordered by CreatedAt then ID (byte order). A duplicate ID
//     or a duplicate Hash fails with sdk.ErrAlreadyExists and changes
//     nothing. An empty ID or Hash is refused with an error that is no
//     store sentinel, so GetToken("") is always sdk.ErrNotFound.
//   - UpdateToken is keyed by ID and replaces every field but the ID and
//     the Hash when t.Revision is the stored one, returning Revision+1;
//     otherwise sdk.ErrConflict (token exists) or sdk.ErrNotFound (it does
//     not). The Hash is immutable, as the ID: an update that changes it is
//     refused with an error that is no store sentinel and changes nothing.
//     Among concurrent writers of one revision exactly one wins, so of 16
//     callers spending a one-use token through a read, check, update loop
//     exactly one succeeds.
//   - MarkJTIUsed fails with sdk.ErrAlreadyExists while the key is
//     recorded with an expiry later than now (compared with the now
//     given, never the wall clock), records the key otherwise (a first use,
//     or an expired record, which is replaced with the new expiry), and
//     compares keys exactly. Of concurrent uses of one key (first uses, or
//     uses of one expired record) exactly one succeeds.
//   - A canceled context yields an error that is none of the store
//     sentinels ErrNotFound, ErrAlreadyExists or ErrConflict, from every
//     method, and writes nothing.
//   - Health returns nil for a working store.
func Run(t *testing.T, newStore func(t *testing.T) sdk.Store) {
	t.Helper()
	RunClients(t, func(t *testing.T) sdk.ClientStore { return newStore(t) })
	RunTokens(t, func(t *testing.T) sdk.TokenStore { return newStore(t) })
	RunJTI(t, func(t *testing.T) sdk.JTIStore { return newStore(t) })
}

// RunClients runs the cases of the suite on clients (sdk.ClientStore), for
// a store that keeps clients and leaves initial access tokens and jtis to
// another store. See Run for the rules checked and how cases run.
func RunClients(t *testing.T, newStore func(t *testing.T) sdk.ClientStore) {
	t.Helper()
	run(t, clientCases, newStore)
}

// RunTokens runs the cases of the suite on initial access tokens
// (sdk.TokenStore). See Run for the rules checked and how cases run.
func RunTokens(t *testing.T, newStore func(t *testing.T) sdk.TokenStore) {
	t.Helper()
	run(t, tokenCases, newStore)
}

// RunJTI runs the cases of the suite on software-statement jtis
// (sdk.JTIStore). See Run for the rules checked and how cases run.
func RunJTI(t *testing.T, newStore func(t *testing.T) sdk.JTIStore) {
	t.Helper()
	run(t, jtiCases, newStore)
}

// testCase is one named case of a part of the suite, S being the part's
// interface.
type testCase[S any] struct {
	name string
	run  func(t *testing.T, s S)
}

func run[S any](t *testing.T, cases []testCase[S], newStore func(t *testing.T) S) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if any(s) == nil {
				t.Fatal("newStore returned nil")
			}
			tc.run(t, s)
		})
	}
}

var clientCases = []testCase[sdk.ClientStore]{
	{"CreateGetRoundTrip", testCreateGetRoundTrip},
	{"CreateGetZeroValues", testCreateGetZeroValues},
	{"CreateGetDeepMetadata", testCreateGetDeepMetadata},
	{"CreateSetsRevision", testCreateSetsRevision},
	{"CreateDuplicateID", testCreateDuplicateID},
	{"GetNotFound", testGetNotFound},
	{"GetByRegistrationToken", testGetByRegistrationToken},
	{"GetByRegistrationTokenNotFound", testGetByRegistrationTokenNotFound},
	{"RevokedClientsCoexist", testRevokedClientsCoexist},
	{"Update", testUpdate},
	{"UpdateStaleRevision", testUpdateStaleRevision},
	{"UpdateNotFound", testUpdateNotFound},
	{"UpdateRotatesRegistrationToken", testUpdateRotatesRegistrationToken},
	{"Delete", testDelete},
	{"DeleteStaleRevision", testDeleteStaleRevision},
	{"DeleteNotFound", testDeleteNotFound},
	{"RecordsAreValues", testRecordsAreValues},
	{"ConcurrentUpdates", testConcurrentUpdates},
	{"ConcurrentCreatesSameID", testConcurrentCreatesSameID},
	{"ConcurrentCreatesDistinct", testConcurrentCreatesDistinct},
	{"CountClients", testCountClients},
	{"CanceledContext", testCanceledContext},
	{"Health", testHealth},
}

var tokenCases = []testCase[sdk.TokenStore]{
	{"CreateTokenRoundTrip", testCreateTokenRoundTrip},
	{"CreateTokenSetsRevision", testCreateTokenSetsRevision},
	{"CreateTokenDuplicateID", testCreateTokenDuplicateID},
	{"CreateTokenDuplicateHash", testCreateTokenDuplicateHash},
	{"CreateTokenEmptyIdentity", testCreateTokenEmptyIdentity},
	{"GetTokenNotFound", testGetTokenNotFound},
	{"ListTokens", testListTokens},
	{"UpdateToken", testUpdateToken},
	{"UpdateTokenStaleRevision", testUpdateTokenStaleRevision},
	{"UpdateTokenNotFound", testUpdateTokenNotFound},
	{"UpdateTokenHashImmutable", testUpdateTokenHashImmutable},
	{"ConcurrentTokenUpdates", testConcurrentTokenUpdates},
	{"ConcurrentTokenUses", testConcurrentTokenUses},
	{"TokenRecordsAreValues", testTokenRecordsAreValues},
	{"TokenCanceledContext", testTokenCanceledContext},
	{"TokenHealth", testTokenHealth},
}

var jtiCases = []testCase[sdk.JTIStore]{
	{"MarkJTIUsedReplay", testMarkJTIUsedReplay},
	{"MarkJTIUsedExpired", testMarkJTIUsedExpired},
	{"ConcurrentMarkJTIUsed", testConcurrentMarkJTIUsed},
	{"JTICanceledContext", testJTICanceledContext},
	{"JTIHealth", testJTIHealth},
}

// concurrency is the number of goroutines racing on one record.
const concurrency = 16

// distinctClients is the number of clients created at once.
const distinctClients = 200

func testCreateGetRoundTrip(t *testing.T, s sdk.ClientStore) {
	in := SampleClient("client-roundtrip")
	got := mustCreate(t, s, in)
	want := in
	want.Revision = 1
	requireSame(t, "Create result", want, got)
	requireStored(t, s, want)
}

func testCreateGetZeroValues(t *testing.T, s sdk.ClientStore) {
	for _, tc := range []struct {
		name string
		c    sdk.Client
	}{
		{"only id", sdk.Client{ID: "client-zero"}},
		{"empty lists and maps", sdk.Client{
			ID:           "client-empty",
			SecretSealed: []byte{},
			Metadata: sdk.Metadata{
				RedirectURIs: []string{},
				Localized:    map[string]string{},
				Extensions:   map[string]json.RawMessage{},
			},
		}},
		{"explicit zero pointers", sdk.Client{
			ID: "client-zero-pointers",
			Metadata: sdk.Metadata{
				DefaultMaxAge:       new(int64),
				RequireAuthTime:     new(bool),
				AccessTokenLifetime: new(int64),
				RequireConsent:      new(bool),
			},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustCreate(t, s, tc.c)
			want := tc.c
			want.Revision = 1
			requireSame(t, "Create result", want, got)
			requireStored(t, s, want)
		})
	}
}

func testCreateSetsRevision(t *testing.T, s sdk.ClientStore) {
	for _, rev := range []int64{0, 1, 42, -7} {
		in := SampleClient(fmt.Sprintf("client-rev-%d", rev))
		in.Revision = rev
		got := mustCreate(t, s, in)
		if got.Revision != 1 {
			t.Errorf("Create with Revision %d: result has Revision %d, want 1", rev, got.Revision)
		}
		stored := mustGet(t, s, in.ID)
		if stored.Revision != 1 {
			t.Errorf("Create with Revision %d: stored Revision %d, want 1", rev, stored.Revision)
		}
	}
}

func testCreateDuplicateID(t *testing.T, s sdk.ClientStore) {
	orig := mustCreate(t, s, SampleClient("client-dup"))

	dup := SampleClient("client-dup")
	dup.Metadata.ClientName = "impostor"
	dup.RegistrationTokenHash = TokenHash("rat:impostor")
	_, err := s.Create(t.Context(), dup)
	requireErr(t, "Create of an existing client_id", err, sdk.ErrAlreadyExists)

	requireStored(t, s, orig)
	_, err = s.GetByRegistrationToken(t.Context(), dup.RegistrationTokenHash)
	requireErr(t, "GetByRegistrationToken of the rejected duplicate's hash", err, sdk.ErrNotFound)
}

func testGetNotFound(t *testing.T, s sdk.ClientStore) {
	mustCreate(t, s, SampleClient("client-present"))
	for _, id := range []string{"client-absent", "", "CLIENT-PRESENT", "client-present "} {
		_, err := s.Get(t.Context(), id)
		requireErr(t, fmt.Sprintf("Get(%q)", id), err, sdk.ErrNotFound)
	}
}

func testGetByRegistrationToken(t *testing.T, s sdk.ClientStore) {
	a := mustCreate(t, s, SampleClient("client-a"))
	b := mustCreate(t, s, SampleClient("client-b"))
	for _, want := range []sdk.Client{a, b} {
		got, err := s.GetByRegistrationToken(t.Context(), want.RegistrationTokenHash)
		if err != nil {
			t.Fatalf("GetByRegistrationToken(hash of %s): %v", want.ID, err)
		}
		requireSame(t, "GetByRegistrationToken result", want, got)
	}
}

func testGetByRegistrationTokenNotFound(t *testing.T, s sdk.ClientStore) {
	mustCreate(t, s, SampleClient("client-live"))
	revoked := SampleClient("client-revoked")
	revoked.RegistrationTokenHash = ""
	mustCreate(t, s, revoked)

	for _, tc := range []struct{ name, hash string }{
		{"unknown hash", TokenHash("rat:nobody")},
		{"empty hash (never matches a revoked client)", ""},
		{"client_id instead of hash", "client-live"},
		{"upper-cased hash", strings.ToUpper(TokenHash("rat:client-live"))},
	} {
		_, err := s.GetByRegistrationToken(t.Context(), tc.hash)
		requireErr(t, "GetByRegistrationToken: "+tc.name, err, sdk.ErrNotFound)
	}
}

func testRevokedClientsCoexist(t *testing.T, s sdk.ClientStore) {
	for _, id := range []string{"client-revoked-1", "client-revoked-2", "client-revoked-3"} {
		c := SampleClient(id)
		c.RegistrationTokenHash = ""
		got := mustCreate(t, s, c)
		requireStored(t, s, got)
	}
	// Revoking by update is the same: the empty hash is not indexed.
	live := mustCreate(t, s, SampleClient("client-live"))
	live.RegistrationTokenHash = ""
	updated := mustUpdate(t, s, live)
	requireStored(t, s, updated)
}

// replacement returns a new version of c: different values, fields added,
// fields removed, so a store that merges instead of replacing fails.
func replacement(c sdk.Client) sdk.Client {
	n := c.Clone()
	n.Metadata.ClientName = "renamed " + c.ID
	n.Metadata.RedirectURIs = []string{"https://new.example.com/cb"}
	n.Metadata.JWKS = nil
	n.Metadata.JWKSURI = "https://new.example.com/jwks"
	n.Metadata.DefaultMaxAge = nil
	n.Metadata.RequireAuthTime = nil
	seven := int64(7)
	n.Metadata.ConsentLifetime = &seven
	n.Metadata.Localized = map[string]string{"client_name#de": "Umbenannt"}
	n.Metadata.Extensions = map[string]json.RawMessage{"x_added": json.RawMessage(`{"v":2}`)}
	n.Metadata.Contacts = nil
	n.SecretSealed = nil
	n.Profile = "renamed-profile"
	n.UpdatedAt = c.UpdatedAt + 100
	return n
}

func testUpdate(t *testing.T, s sdk.ClientStore) {
	created := mustCreate(t, s, SampleClient("client-upd"))

	next := replacement(created)
	got := mustUpdate(t, s, next)
	want := next
	want.Revision = created.Revision + 1
	requireSame(t, "Update result", want, got)
	requireStored(t, s, want)

	// A second update from the returned record advances again.
	again := got
	again.Metadata.Scope = "openid"
	got2 := mustUpdate(t, s, again)
	if got2.Revision != created.Revision+2 {
		t.Errorf("second Update: Revision %d, want %d", got2.Revision, created.Revision+2)
	}
	want2 := again
	want2.Revision = created.Revision + 2
	requireStored(t, s, want2)
}

func testUpdateStaleRevision(t *testing.T, s sdk.ClientStore) {
	created := mustCreate(t, s, SampleClient("client-stale"))
	current := mustUpdate(t, s, replacement(created)) // Revision 2

	for _, rev := range []int64{current.Revision - 1, current.Revision + 1, 0, -1} {
		stale := SampleClient("client-stale")
		stale.Metadata.ClientName = "lost update"
		stale.RegistrationTokenHash = TokenHash("rat:lost")
		stale.Revision = rev
		_, err := s.Update(t.Context(), stale)
		requireErr(t, fmt.Sprintf("Update with Revision %d (stored %d)", rev, current.Revision), err, sdk.ErrConflict)
		requireStored(t, s, current)
		_, err = s.GetByRegistrationToken(t.Context(), stale.RegistrationTokenHash)
		requireErr(t, "GetByRegistrationToken of a rejected update's hash", err, sdk.ErrNotFound)
	}
}

func testUpdateNotFound(t *testing.T, s sdk.ClientStore) {
	mustCreate(t, s, SampleClient("client-other"))
	for _, rev := range []int64{1, 0} {
		c := SampleClient("client-ghost")
		c.Revision = rev
		_, err := s.Update(t.Context(), c)
		requireErr(t, fmt.Sprintf("Update of an unknown client (Revision %d)", rev), err, sdk.ErrNotFound)
	}
	_, err := s.Get(t.Context(), "client-ghost")
	requireErr(t, "Get after a failed Update", err, sdk.ErrNotFound)
	_, err = s.GetByRegistrationToken(t.Context(), TokenHash("rat:client-ghost"))
	requireErr(t, "GetByRegistrationToken after a failed Update", err, sdk.ErrNotFound)
}

func testUpdateRotatesRegistrationToken(t *testing.T, s sdk.ClientStore) {
	created := mustCreate(t, s, SampleClient("client-rotate"))
	oldHash := created.RegistrationTokenHash

	rotated := created
	rotated.RegistrationTokenHash = TokenHash("rat:client-rotate:2")
	got := mustUpdate(t, s, rotated)

	_, err := s.GetByRegistrationToken(t.Context(), oldHash)
	requireErr(t, "GetByRegistrationToken(old hash) after rotation", err, sdk.ErrNotFound)
	found, err := s.GetByRegistrationToken(t.Context(), rotated.RegistrationTokenHash)
	if err != nil {
		t.Fatalf("GetByRegistrationToken(new hash): %v", err)
	}
	requireSame(t, "GetByRegistrationToken(new hash)", got, found)

	// The old hash is free again: another client may hold it.
	other := SampleClient("client-rotate-other")
	other.RegistrationTokenHash = oldHash
	otherGot := mustCreate(t, s, other)
	found, err = s.GetByRegistrationToken(t.Context(), oldHash)
	if err != nil {
		t.Fatalf("GetByRegistrationToken(reused hash): %v", err)
	}
	requireSame(t, "GetByRegistrationToken(reused hash)", otherGot, found)

	// Revoking: the empty hash matches nothing, the previous hash neither.
	revoked := got
	revoked.RegistrationTokenHash = ""
	mustUpdate(t, s, revoked)
	_, err = s.GetByRegistrationToken(t.Context(), rotated.RegistrationTokenHash)
	requireErr(t, "GetByRegistrationToken(hash) after revocation", err, sdk.ErrNotFound)
	_, err = s.GetByRegistrationToken(t.Context(), "")
	requireErr(t, "GetByRegistrationToken(\"\") after revocation", err, sdk.ErrNotFound)
}

func testDelete(t *testing.T, s sdk.ClientStore) {
	created := mustCreate(t, s, SampleClient("client-del"))
	keep := mustCreate(t, s, SampleClient("client-keep"))
	current := mustUpdate(t, s, replacement(created))

	if err := s.Delete(t.Context(), current.ID, current.Revision); err != nil {
		t.Fatalf("Delete with the current revision: %v", err)
	}
	_, err := s.Get(t.Context(), current.ID)
	requireErr(t, "Get after Delete", err, sdk.ErrNotFound)
	_, err = s.GetByRegistrationToken(t.Context(), current.RegistrationTokenHash)
	requireErr(t, "GetByRegistrationToken after Delete", err, sdk.ErrNotFound)
	err = s.Delete(t.Context(), current.ID, current.Revision)
	requireErr(t, "second Delete", err, sdk.ErrNotFound)
	requireStored(t, s, keep)

	// The client_id and the token hash may be used again, from Revision 1.
	again := mustCreate(t, s, SampleClient("client-del"))
	if again.Revision != 1 {
		t.Errorf("Create after Delete: Revision %d, want 1", again.Revision)
	}
	requireStored(t, s, again)
}

func testDeleteStaleRevision(t *testing.T, s sdk.ClientStore) {
	created := mustCreate(t, s, SampleClient("client-del-stale"))
	current := mustUpdate(t, s, replacement(created))
	for _, rev := range []int64{created.Revision, current.Revision + 1, 0} {
		err := s.Delete(t.Context(), current.ID, rev)
		requireErr(t, fmt.Sprintf("Delete with Revision %d (stored %d)", rev, current.Revision), err, sdk.ErrConflict)
		requireStored(t, s, current)
	}
}

func testDeleteNotFound(t *testing.T, s sdk.ClientStore) {
	keep := mustCreate(t, s, SampleClient("client-keep"))
	for _, tc := range []struct {
		id  string
		rev int64
	}{{"client-ghost", 1}, {"client-ghost", 0}, {"", 1}} {
		err := s.Delete(t.Context(), tc.id, tc.rev)
		requireErr(t, fmt.Sprintf("Delete(%q, %d)", tc.id, tc.rev), err, sdk.ErrNotFound)
	}
	requireStored(t, s, keep)
}

func testRecordsAreValues(t *testing.T, s sdk.ClientStore) {
	in := SampleClient("client-values")
	want := in.Clone()
	want.Revision = 1

	got := mustCreate(t, s, in)
	scribble(&in)
	requireStored(t, s, want)

	scribble(&got)
	requireStored(t, s, want)

	read := mustGet(t, s, want.ID)
	scribble(&read)
	requireStored(t, s, want)

	byToken, err := s.GetByRegistrationToken(t.Context(), want.RegistrationTokenHash)
	if err != nil {
		t.Fatalf("GetByRegistrationToken: %v", err)
	}
	scribble(&byToken)
	requireStored(t, s, want)

	upd := replacement(mustGet(t, s, want.ID))
	upd.Metadata.Contacts = []string{"a@example.com"}
	updWant := upd.Clone()
	updWant.Revision = 2
	updGot := mustUpdate(t, s, upd)
	scribble(&upd)
	scribble(&updGot)
	requireStored(t, s, updWant)
}

// scribble overwrites, in place, the shared memory a record refers to:
// elements of slices, map entries, pointer targets and raw bytes.
func scribble(c *sdk.Client) {
	m := &c.Metadata
	for _, list := range [][]string{m.RedirectURIs, m.GrantTypes, m.Contacts, m.DefaultACRValues, m.AllowedCORSOrigins} {
		for i := range list {
			list[i] = "scribbled"
		}
	}
	for i := range m.JWKS {
		m.JWKS[i] = ' '
	}
	for i := range c.SecretSealed {
		c.SecretSealed[i] ^= 0xff
	}
	for _, p := range []*int64{m.DefaultMaxAge, m.AccessTokenLifetime, m.ConsentLifetime} {
		if p != nil {
			*p = -99
		}
	}
	for _, p := range []*bool{m.RequireAuthTime, m.RequireConsent, m.EnableLocalLogin} {
		if p != nil {
			*p = !*p
		}
	}
	for k := range m.Localized {
		m.Localized[k] = "scribbled"
	}
	for k, v := range m.Extensions {
		for i := range v {
			v[i] = ' '
		}
		m.Extensions[k] = json.RawMessage(`"scribbled"`)
	}
	if m.Extensions != nil {
		m.Extensions["x_scribbled"] = json.RawMessage(`1`)
	}
}

func testConcurrentUpdates(t *testing.T, s sdk.ClientStore) {
	base := mustCreate(t, s, SampleClient("client-race"))

	type result struct {
		c   sdk.Client
		err error
	}
	results := make([]result, concurrency)
	together(concurrency, func(i int) func() {
		c := base.Clone()
		c.Metadata.ClientName = fmt.Sprintf("writer %d", i)
		c.RegistrationTokenHash = TokenHash(fmt.Sprintf("rat:client-race:%d", i))
		return func() {
			got, err := s.Update(t.Context(), c)
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
		t.Fatalf("none of %d concurrent Updates succeeded", concurrency)
	}
	if got := results[winner].c.Revision; got != base.Revision+1 {
		t.Errorf("winning Update: Revision %d, want %d", got, base.Revision+1)
	}
	requireStored(t, s, results[winner].c)
	for i := range results {
		if i == winner {
			continue
		}
		_, err := s.GetByRegistrationToken(t.Context(), TokenHash(fmt.Sprintf("rat:client-race:%d", i)))
		requireErr(t, fmt.Sprintf("GetByRegistrationToken of losing writer %d", i), err, sdk.ErrNotFound)
	}
	_, err := s.GetByRegistrationToken(t.Context(), base.RegistrationTokenHash)
	requireErr(t, "GetByRegistrationToken of the replaced hash", err, sdk.ErrNotFound)
}

func testConcurrentCreatesSameID(t *testing.T, s sdk.ClientStore) {
	type result struct {
		c   sdk.Client
		err error
	}
	results := make([]result, concurrency)
	together(concurrency, func(i int) func() {
		c := SampleClient("client-same")
		c.Metadata.ClientName = fmt.Sprintf("creator %d", i)
		c.RegistrationTokenHash = TokenHash(fmt.Sprintf("rat:client-same:%d", i))
		return func() {
			got, err := s.Create(t.Context(), c)
			results[i] = result{got, err}
		}
	})

	winner := -1
	for i, r := range results {
		switch {
		case r.err == nil:
			if winner >= 0 {
				t.Errorf("creators %d and %d both created the same client_id", winner, i)
			}
			winner = i
		case !errors.Is(r.err, sdk.ErrAlreadyExists):
			t.Errorf("creator %d: error %v, want ErrAlreadyExists", i, r.err)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent Creates succeeded", concurrency)
	}
	requireStored(t, s, results[winner].c)
	for i := range results {
		if i == winner {
			continue
		}
		_, err := s.GetByRegistrationToken(t.Context(), TokenHash(fmt.Sprintf("rat:client-same:%d", i)))
		requireErr(t, fmt.Sprintf("GetByRegistrationToken of losing creator %d", i), err, sdk.ErrNotFound)
	}
}

func testConcurrentCreatesDistinct(t *testing.T, s sdk.ClientStore) {
	errs := make([]error, distinctClients)
	together(distinctClients, func(i int) func() {
		c := SampleClient(fmt.Sprintf("client-%03d", i))
		return func() { _, errs[i] = s.Create(t.Context(), c) }
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Create client-%03d: %v", i, err)
		}
	}
	for i := range distinctClients {
		want := SampleClient(fmt.Sprintf("client-%03d", i))
		want.Revision = 1
		requireStored(t, s, want)
		got, err := s.GetByRegistrationToken(t.Context(), want.RegistrationTokenHash)
		if err != nil {
			t.Fatalf("GetByRegistrationToken(hash of %s): %v", want.ID, err)
		}
		if got.ID != want.ID {
			t.Fatalf("GetByRegistrationToken(hash of %s) returned %s", want.ID, got.ID)
		}
	}
}

func testCanceledContext(t *testing.T, s sdk.ClientStore) {
	existing := mustCreate(t, s, SampleClient("client-existing"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := s.Create(ctx, SampleClient("client-canceled"))
	requireFailure(t, "Create", err)
	_, err = s.Get(ctx, existing.ID)
	requireFailure(t, "Get", err)
	_, err = s.GetByRegistrationToken(ctx, existing.RegistrationTokenHash)
	requireFailure(t, "GetByRegistrationToken", err)
	_, err = s.Update(ctx, replacement(existing))
	requireFailure(t, "Update", err)
	err = s.Delete(ctx, existing.ID, existing.Revision)
	requireFailure(t, "Delete", err)
	_, err = s.CountClients(ctx, existing.Profile)
	requireFailure(t, "CountClients", err)

	// Nothing was written.
	_, err = s.Get(t.Context(), "client-canceled")
	requireErr(t, "Get of a client created with a canceled context", err, sdk.ErrNotFound)
	requireStored(t, s, existing)
}

func testCountClients(t *testing.T, s sdk.ClientStore) {
	requireCounts := func(when string, want map[string]int64) {
		t.Helper()
		for profile, n := range want {
			got, err := s.CountClients(t.Context(), profile)
			if err != nil {
				t.Fatalf("%s: CountClients(%q): %v", when, profile, err)
			}
			if got != n {
				t.Errorf("%s: CountClients(%q) = %d, want %d", when, profile, got, n)
			}
		}
	}
	requireCounts("empty store", map[string]int64{"partners": 0, "": 0})

	create := func(id, profile string) sdk.Client {
		c := SampleClient(id)
		c.Profile = profile
		return mustCreate(t, s, c)
	}
	p1 := create("client-p1", "partners")
	create("client-p2", "partners")
	create("client-p3", "partners")
	o1 := create("client-o1", "open")
	create("client-none", "")
	// A revoked client still counts: it is registered.
	revoked := SampleClient("client-p4")
	revoked.RegistrationTokenHash = ""
	mustCreate(t, s, revoked)
	requireCounts("after creates", map[string]int64{
		"partners": 4, "open": 1, "": 1, "Partners": 0, "partners ": 0, "unknown": 0,
	})

	// A refused create counts nothing.
	if _, err := s.Create(t.Context(), SampleClient("client-p1")); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Fatalf("duplicate Create: %v", err)
	}
	requireCounts("after a refused create", map[string]int64{"partners": 4})

	// An update that moves a client to another profile moves its count.
	moved := p1
	moved.Profile = "open"
	moved = mustUpdate(t, s, moved)
	requireCounts("after an update", map[string]int64{"partners": 3, "open": 2})

	if err := s.Delete(t.Context(), moved.ID, moved.Revision); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Delete(t.Context(), o1.ID, o1.Revision); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	requireCounts("after deletes", map[string]int64{"partners": 3, "open": 0, "": 1})
}

func testHealth(t *testing.T, s sdk.ClientStore) {
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	mustCreate(t, s, SampleClient("client-health"))
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health after a write: %v", err)
	}
}

// Helpers.

// together runs n calls at once: prepare(i) builds call i on its own
// goroutine, then every call is released at the same moment, so that the
// store sees them as concurrently as the scheduler allows. It returns when
// all have returned.
func together(n int, prepare func(i int) (call func())) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := prepare(i)
			<-start
			call()
		}()
	}
	close(start)
	wg.Wait()
}

func mustCreate(t *testing.T, s sdk.ClientStore, c sdk.Client) sdk.Client {
	t.Helper()
	got, err := s.Create(t.Context(), c)
	if err != nil {
		t.Fatalf("Create(%q): %v", c.ID, err)
	}
	return got
}

func mustUpdate(t *testing.T, s sdk.ClientStore, c sdk.Client) sdk.Client {
	t.Helper()
	got, err := s.Update(t.Context(), c)
	if err != nil {
		t.Fatalf("Update(%q, revision %d): %v", c.ID, c.Revision, err)
	}
	if got.Revision != c.Revision+1 {
		t.Fatalf("Update(%q, revision %d): result has Revision %d, want %d", c.ID, c.Revision, got.Revision, c.Revision+1)
	}
	return got
}

func mustGet(t *testing.T, s sdk.ClientStore, id string) sdk.Client {
	t.Helper()
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%q): %v", id, err)
	}
	return got
}

// requireStored fails unless Get(want.ID) returns want, Revision included.
func requireStored(t *testing.T, s sdk.ClientStore, want sdk.Client) {
	t.Helper()
	requireSame(t, fmt.Sprintf("Get(%q)", want.ID), want, mustGet(t, s, want.ID))
}

func requireSame(t *testing.T, what string, want, got sdk.Client) {
	t.Helper()
	if d := Diff(want, got); d != "" {
		t.Fatalf("%s differs from the expected record:\n%s", what, d)
	}
}

func requireErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

// requireFailure fails unless err reports a failure to serve the call rather
// than an answer about the data.
func requireFailure(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s with a canceled context succeeded", what)
	}
	for _, sentinel := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict} {
		if errors.Is(err, sentinel) {
			t.Fatalf("%s with a canceled context: error %v, want a context or availability error", what, err)
		}
	}
}

package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/reconcile"
	"github.com/registrar-dcr/registrar/server/reconcile/reconciletest"
	"github.com/registrar-dcr/registrar/server/stores/memory"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin"
)

var now = time.Unix(1_700_000_000, 0)

const (
	grace = 5 * time.Minute
	// secret is the plaintext client secret of the confidential clients of
	// these tests; neither it nor its hash may appear in any output.
	secret = "s3cr3t-client-secret-of-the-reconcile-tests"
)

var secretHash = sdk.HashToken(secret)

var sealer = func() *sdk.AESSealer {
	s, err := sdk.NewAESSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return s
}()

func createdAgo(d time.Duration) int64 { return now.Add(-d).Unix() }

// local is a registration the test puts in the store.
type local struct {
	id  string
	rev int64 // revision to reach (1 or more)
	// kind is "public" (no secret), "secret" (hash only) or "sealed"
	// (client_secret_jwt: hash and sealed secret).
	kind string
}

func putLocal(t *testing.T, s *memory.Store, l local) {
	t.Helper()
	ctx := context.Background()
	c := sdk.Client{ID: l.id, Profile: "default", IssuedAt: now.Unix(), RegistrationTokenHash: sdk.HashToken("rat-" + l.id)}
	c.Metadata.ClientName = "client " + l.id
	switch l.kind {
	case "secret":
		c.SecretHash = secretHash
	case "sealed":
		c.SecretHash = secretHash
		sealed, err := sealer.Seal(l.id, secret)
		if err != nil {
			t.Fatal(err)
		}
		c.SecretSealed = sealed
	}
	c, err := s.Create(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for c.Revision < l.rev {
		if c, err = s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

// bump updates the local registration id once.
func bump(t *testing.T, s *memory.Store, id string) {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// planned is an action as the tests compare it: kind and client_id.
type planned struct {
	kind reconcile.Kind
	id   string
}

func kinds(actions []reconcile.Action) []planned {
	out := make([]planned, 0, len(actions))
	for _, a := range actions {
		out = append(out, planned{a.Kind, a.ClientID})
	}
	slices.SortFunc(out, func(a, b planned) int { return strings.Compare(a.id, b.id) })
	return out
}

// snapshot is every local registration as "id@revision".
func snapshot(t *testing.T, s *memory.Store) []string {
	t.Helper()
	var out []string
	err := s.ScanClients(context.Background(), func(r storeadmin.Record) error {
		out = append(out, fmt.Sprintf("%s@%d", r.ClientID, r.Client.Revision))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noSecret fails the test when text holds the secret or its hash.
func noSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range []string{secret, secretHash} {
		if strings.Contains(text, s) {
			t.Errorf("%s shows a secret or its hash: %s", what, text)
		}
	}
}

// TestPlanAndApply: each divergence a crash between the two writes leaves
// (DESIGN §2, "Reaching the authorization server") is planned as its
// repair and repaired by Apply, and what is in sync, in flight or not
// Registrar's is left alone: (a) an upstream client without local
// registration is deleted once older than the grace period, left while
// younger, and left for review when its age is unknown (deleted with
// DeleteUnknownAge); (b) a local registration without upstream client is
// provisioned again when it has no secret or a sealed one the key opens,
// deleted otherwise; (c) an upstream client at an older revision gets the
// local record and keeps its secret. Clients of other owners are never
// listed, so never touched. No output shows a secret or its hash.
func TestPlanAndApply(t *testing.T) {
	tests := []struct {
		name     string
		local    []local
		upstream []reconciletest.Client
		opt      func(*reconcile.Options)
		want     []planned
		// reason is a part of the first action's reason.
		reason string
		// results are the statuses of the sorted actions after Apply.
		results []reconcile.Status
		// after checks the two sides after Apply.
		after func(t *testing.T, s *memory.Store, up *reconciletest.Upstream)
	}{
		{
			name:     "empty",
			want:     []planned{},
			results:  []reconcile.Status{},
			upstream: nil,
		},
		{
			name:     "in sync",
			local:    []local{{"a", 1, "public"}, {"b", 3, "secret"}},
			upstream: []reconciletest.Client{{ID: "a", Revision: 1, CreatedAt: createdAgo(time.Hour)}, {ID: "b", Revision: 3, CreatedAt: createdAgo(time.Hour)}},
			want:     []planned{},
			results:  []reconcile.Status{},
		},
		{
			name:     "a: orphan older than the grace period is deleted",
			upstream: []reconciletest.Client{{ID: "orphan", Revision: 1, CreatedAt: createdAgo(12 * time.Minute)}},
			want:     []planned{{reconcile.DeleteUpstream, "orphan"}},
			reason:   "no local registration (created 12m ago)",
			results:  []reconcile.Status{reconcile.Done},
			after: func(t *testing.T, _ *memory.Store, up *reconciletest.Upstream) {
				if _, ok := up.Get("orphan"); ok {
					t.Error("the orphan is still upstream")
				}
			},
		},
		{
			name:     "a: orphan within the grace period waits",
			upstream: []reconciletest.Client{{ID: "young", Revision: 1, CreatedAt: createdAgo(2 * time.Minute)}},
			want:     []planned{{reconcile.Wait, "young"}},
			reason:   "created 2m ago, within the grace period of 5m",
			results:  []reconcile.Status{reconcile.Left},
			after: func(t *testing.T, _ *memory.Store, up *reconciletest.Upstream) {
				if _, ok := up.Get("young"); !ok {
					t.Error("the young orphan was deleted")
				}
			},
		},
		{
			name:     "a: with no grace period, an orphan created in the current second is deleted",
			upstream: []reconciletest.Client{{ID: "now", Revision: 1, CreatedAt: now.Unix()}},
			opt:      func(o *reconcile.Options) { o.Grace = 0 },
			want:     []planned{{reconcile.DeleteUpstream, "now"}},
			reason:   "no local registration (created 0s ago)",
			results:  []reconcile.Status{reconcile.Done},
		},
		{
			name:     "a: orphan exactly as old as the grace period is deleted",
			upstream: []reconciletest.Client{{ID: "edge", Revision: 1, CreatedAt: createdAgo(grace)}},
			want:     []planned{{reconcile.DeleteUpstream, "edge"}},
			results:  []reconcile.Status{reconcile.Done},
		},
		{
			name:     "a: orphan a second younger than the grace period waits",
			upstream: []reconciletest.Client{{ID: "edge", Revision: 1, CreatedAt: createdAgo(grace - time.Second)}},
			want:     []planned{{reconcile.Wait, "edge"}},
			results:  []reconcile.Status{reconcile.Left},
		},
		{
			name:     "a: with no grace period, an orphan dated a second later (an upstream rounding up) is deleted",
			upstream: []reconciletest.Client{{ID: "rounded", Revision: 1, CreatedAt: now.Unix() + 1}},
			opt:      func(o *reconcile.Options) { o.Grace = 0 },
			want:     []planned{{reconcile.DeleteUpstream, "rounded"}},
			reason:   "created 1s in the future by this server's clock; no grace period",
			results:  []reconcile.Status{reconcile.Done},
		},
		{
			name:     "a: orphan created in the future (clock skew) waits",
			upstream: []reconciletest.Client{{ID: "skew", Revision: 1, CreatedAt: now.Add(time.Hour).Unix()}},
			want:     []planned{{reconcile.Wait, "skew"}},
			reason:   "created 1h in the future by this server's clock",
			results:  []reconcile.Status{reconcile.Left},
		},
		{
			name:     "a: orphan of unknown age is left for review",
			upstream: []reconciletest.Client{{ID: "ageless", Revision: 1}},
			want:     []planned{{reconcile.Review, "ageless"}},
			reason:   "unknown age",
			results:  []reconcile.Status{reconcile.Left},
			after: func(t *testing.T, _ *memory.Store, up *reconciletest.Upstream) {
				if _, ok := up.Get("ageless"); !ok {
					t.Error("the orphan of unknown age was deleted")
				}
			},
		},
		{
			name:     "a: orphan of unknown age is deleted with DeleteUnknownAge",
			upstream: []reconciletest.Client{{ID: "ageless", Revision: 1}},
			opt:      func(o *reconcile.Options) { o.DeleteUnknownAge = true },
			want:     []planned{{reconcile.DeleteUpstream, "ageless"}},
			results:  []reconcile.Status{reconcile.Done},
			after: func(t *testing.T, _ *memory.Store, up *reconciletest.Upstream) {
				if _, ok := up.Get("ageless"); ok {
					t.Error("the orphan of unknown age is still upstream")
				}
			},
		},
		{
			name: "a: another owner's clients are never touched",
			upstream: []reconciletest.Client{
				{ID: "theirs", Owner: "someone else", Revision: 1, CreatedAt: createdAgo(time.Hour)},
				{ID: "theirs-ageless", Owner: "someone else"},
			},
			opt:     func(o *reconcile.Options) { o.DeleteUnknownAge = true },
			want:    []planned{},
			results: []reconcile.Status{},
			after: func(t *testing.T, _ *memory.Store, up *reconciletest.Upstream) {
				if got := up.IDs(); !slices.Equal(got, []string{"theirs", "theirs-ageless"}) {
					t.Errorf("upstream after Apply = %v", got)
				}
				if c := up.Calls(); len(c) != 0 {
					t.Errorf("writes upstream: %v", c)
				}
			},
		},
		{
			name:     "b: a registration whose client_id another owner holds upstream: the create fails, their client is unchanged",
			local:    []local{{"taken", 1, "public"}},
			upstream: []reconciletest.Client{{ID: "taken", Owner: "someone else", Revision: 9}},
			want:     []planned{{reconcile.CreateUpstream, "taken"}},
			results:  []reconcile.Status{reconcile.Failed},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				if c, _ := up.Get("taken"); c.Owner != "someone else" || c.Revision != 9 {
					t.Errorf("their client became %+v", c)
				}
				if _, err := s.Get(context.Background(), "taken"); err != nil {
					t.Errorf("the registration: %v", err)
				}
			},
		},
		{
			name:    "b: a registration without secret is provisioned again whole",
			local:   []local{{"public", 3, "public"}},
			want:    []planned{{reconcile.CreateUpstream, "public"}},
			reason:  "provisioned again whole",
			results: []reconcile.Status{reconcile.Done},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				c, ok := up.Get("public")
				if !ok || c.Revision != 3 || c.Secret != "" || c.Client.Metadata.ClientName != "client public" {
					t.Errorf("upstream client = %+v, %v", c, ok)
				}
				if c.Client.RegistrationTokenHash != sdk.RedactedHash {
					t.Errorf("the upstream received the registration token hash %q", c.Client.RegistrationTokenHash)
				}
			},
		},
		{
			name:    "b: a registration whose secret only has a hash is deleted, saying why",
			local:   []local{{"confidential", 2, "secret"}},
			want:    []planned{{reconcile.DeleteLocal, "confidential"}},
			reason:  "the authorization server does not know this client, so it cannot sign in; once its registration is deleted it can register again",
			results: []reconcile.Status{reconcile.Done},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				if _, err := s.Get(context.Background(), "confidential"); !errors.Is(err, sdk.ErrNotFound) {
					t.Errorf("the registration: %v", err)
				}
				if len(up.IDs()) != 0 {
					t.Errorf("upstream: %v", up.IDs())
				}
			},
		},
		{
			name:    "b: with KeepLocal (the periodic reconciler) a registration whose secret only has a hash is left for review",
			local:   []local{{"confidential", 2, "secret"}},
			opt:     func(o *reconcile.Options) { o.KeepLocal = true },
			want:    []planned{{reconcile.Review, "confidential"}},
			reason:  "the periodic reconciler never does",
			results: []reconcile.Status{reconcile.Left},
			after: func(t *testing.T, s *memory.Store, _ *reconciletest.Upstream) {
				if _, err := s.Get(context.Background(), "confidential"); err != nil {
					t.Errorf("the registration was deleted: %v", err)
				}
			},
		},
		{
			name:    "b: a sealed secret the key opens is provisioned again with it",
			local:   []local{{"jwt", 2, "sealed"}},
			opt:     func(o *reconcile.Options) { o.Opener = sealer },
			want:    []planned{{reconcile.CreateUpstream, "jwt"}},
			reason:  "recovered with the secret encryption key",
			results: []reconcile.Status{reconcile.Done},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				c, ok := up.Get("jwt")
				if !ok || c.Secret != secret || c.Revision != 2 {
					t.Errorf("upstream client = %v, revision %d, secret given: %v", ok, c.Revision, c.Secret == secret)
				}
				if c.Client.SecretHash != sdk.RedactedHash || c.Client.SecretSealed != nil {
					t.Error("the upstream received the hash or the sealed secret")
				}
			},
		},
		{
			name:    "b: a sealed secret without the key is deleted",
			local:   []local{{"jwt", 2, "sealed"}},
			want:    []planned{{reconcile.DeleteLocal, "jwt"}},
			results: []reconcile.Status{reconcile.Done},
		},
		{
			name:     "c: an upstream client at an older revision gets the local record and keeps its secret",
			local:    []local{{"stale", 4, "secret"}},
			upstream: []reconciletest.Client{{ID: "stale", Revision: 2, CreatedAt: createdAgo(time.Hour), Secret: "upstream-kept-secret"}},
			want:     []planned{{reconcile.UpdateUpstream, "stale"}},
			reason:   "the upstream client holds revision 2, the local registration is at 4",
			results:  []reconcile.Status{reconcile.Done},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				c, _ := up.Get("stale")
				if c.Revision != 4 || c.Secret != "upstream-kept-secret" || c.Client.Metadata.ClientName != "client stale" {
					t.Errorf("upstream client: revision %d, secret kept %v, name %q", c.Revision, c.Secret == "upstream-kept-secret", c.Client.Metadata.ClientName)
				}
				if c.Client.SecretHash != sdk.RedactedHash {
					t.Error("the upstream received the hash")
				}
			},
		},
		{
			name:     "c: revision 0 upstream is unknown and left",
			local:    []local{{"norev", 4, "public"}},
			upstream: []reconciletest.Client{{ID: "norev", CreatedAt: createdAgo(time.Hour)}},
			want:     []planned{},
			results:  []reconcile.Status{},
		},
		{
			name:     "c: an upstream client at a later revision is left for review",
			local:    []local{{"ahead", 2, "public"}},
			upstream: []reconciletest.Client{{ID: "ahead", Revision: 5, CreatedAt: createdAgo(time.Hour)}},
			want:     []planned{{reconcile.Review, "ahead"}},
			reason:   "later than the local registration's 2",
			results:  []reconcile.Status{reconcile.Left},
		},
		{
			name:  "more deletions than MaxDeletes: none is made, all are left for review",
			local: []local{{"l1", 1, "secret"}},
			upstream: []reconciletest.Client{
				{ID: "o1", Revision: 1, CreatedAt: createdAgo(time.Hour)},
				{ID: "o2", Revision: 1, CreatedAt: createdAgo(time.Hour)},
			},
			opt:     func(o *reconcile.Options) { o.MaxDeletes = 2 },
			want:    []planned{{reconcile.Review, "l1"}, {reconcile.Review, "o1"}, {reconcile.Review, "o2"}},
			reason:  "3 deletions planned, more than the limit of 2",
			results: []reconcile.Status{reconcile.Left, reconcile.Left, reconcile.Left},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				if len(up.IDs()) != 2 || len(snapshot(t, s)) != 1 {
					t.Errorf("something was deleted: upstream %v, local %v", up.IDs(), snapshot(t, s))
				}
			},
		},
		{
			name:     "MaxDeletes 0 allows none",
			upstream: []reconciletest.Client{{ID: "o1", Revision: 1, CreatedAt: createdAgo(time.Hour)}},
			opt:      func(o *reconcile.Options) { o.MaxDeletes = 0 },
			want:     []planned{{reconcile.Review, "o1"}},
			results:  []reconcile.Status{reconcile.Left},
		},
		{
			name: "as many deletions as MaxDeletes are made",
			upstream: []reconciletest.Client{
				{ID: "o1", Revision: 1, CreatedAt: createdAgo(time.Hour)},
				{ID: "o2", Revision: 1, CreatedAt: createdAgo(time.Hour)},
			},
			opt:     func(o *reconcile.Options) { o.MaxDeletes = 2 },
			want:    []planned{{reconcile.DeleteUpstream, "o1"}, {reconcile.DeleteUpstream, "o2"}},
			results: []reconcile.Status{reconcile.Done, reconcile.Done},
		},
		{
			name: "every kind at once, over several pages",
			local: []local{
				{"a-sync", 2, "secret"}, {"b-public", 1, "public"}, {"c-secret", 1, "secret"},
				{"d-stale", 3, "public"}, {"e-sync", 1, "public"},
			},
			upstream: []reconciletest.Client{
				{ID: "a-sync", Revision: 2, CreatedAt: createdAgo(time.Hour)},
				{ID: "d-stale", Revision: 1, CreatedAt: createdAgo(time.Hour)},
				{ID: "e-sync", Revision: 1, CreatedAt: createdAgo(time.Hour)},
				{ID: "f-orphan", Revision: 1, CreatedAt: createdAgo(time.Hour)},
				{ID: "g-young", Revision: 1, CreatedAt: createdAgo(time.Minute)},
				{ID: "h-theirs", Owner: "other", CreatedAt: createdAgo(time.Hour)},
			},
			want: []planned{
				{reconcile.CreateUpstream, "b-public"}, {reconcile.DeleteLocal, "c-secret"},
				{reconcile.UpdateUpstream, "d-stale"}, {reconcile.DeleteUpstream, "f-orphan"}, {reconcile.Wait, "g-young"},
			},
			results: []reconcile.Status{reconcile.Done, reconcile.Done, reconcile.Done, reconcile.Done, reconcile.Left},
			after: func(t *testing.T, s *memory.Store, up *reconciletest.Upstream) {
				if got, want := up.IDs(), []string{"a-sync", "b-public", "d-stale", "e-sync", "g-young", "h-theirs"}; !slices.Equal(got, want) {
					t.Errorf("upstream = %v, want %v", got, want)
				}
				if got, want := snapshot(t, s), []string{"a-sync@2", "b-public@1", "d-stale@3", "e-sync@1"}; !slices.Equal(got, want) {
					t.Errorf("local = %v, want %v", got, want)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := memory.New()
			for _, l := range tc.local {
				putLocal(t, s, l)
			}
			up := reconciletest.New()
			for _, c := range tc.upstream {
				up.Put(c)
			}
			opt := reconcile.Options{Grace: grace, MaxDeletes: -1}
			if tc.opt != nil {
				tc.opt(&opt)
			}
			actions, err := reconcile.Plan(ctx, up, s, now, opt)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if got := kinds(actions); !slices.Equal(got, tc.want) {
				t.Fatalf("Plan = %v, want %v", got, tc.want)
			}
			if tc.reason != "" && !strings.Contains(actions[0].Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", actions[0].Reason, tc.reason)
			}
			for _, a := range actions {
				noSecret(t, "an action", a.String())
			}
			slices.SortFunc(actions, func(a, b reconcile.Action) int { return strings.Compare(a.ClientID, b.ClientID) })
			results := reconcile.Apply(ctx, up, s, actions, opt)
			var got []reconcile.Status
			for _, r := range results {
				got = append(got, r.Status)
				noSecret(t, "a result", r.String())
			}
			if !slices.Equal(got, tc.results) && !(len(got) == 0 && len(tc.results) == 0) {
				t.Errorf("Apply = %v, want %v (%v)", got, tc.results, results)
			}
			if tc.after != nil {
				tc.after(t, s, up)
			}
			// Once repaired, a second plan finds only what was left.
			again, err := reconcile.Plan(ctx, up, s, now, opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range again {
				if a.Kind.Acts() && !slices.Contains(tc.results, reconcile.Failed) {
					t.Errorf("after Apply, Plan still finds %v", a)
				}
			}
		})
	}
}

// TestPlanChangesNothing: a dry run (Plan alone) writes nothing upstream
// and nothing locally, whatever it finds.
func TestPlanChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	for _, l := range []local{{"public", 1, "public"}, {"confidential", 1, "secret"}, {"stale", 3, "public"}} {
		putLocal(t, s, l)
	}
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "stale", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	up.Put(reconciletest.Client{ID: "orphan", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	before := snapshot(t, s)
	actions, err := reconcile.Plan(ctx, up, s, now, reconcile.Options{Grace: grace, MaxDeletes: -1, DeleteUnknownAge: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) != 4 {
		t.Errorf("Plan = %v, want 4 actions", actions)
	}
	if c := up.Calls(); len(c) != 0 {
		t.Errorf("Plan wrote upstream: %v", c)
	}
	if after := snapshot(t, s); !slices.Equal(before, after) {
		t.Errorf("Plan changed the store: %v, then %v", before, after)
	}
	if got := up.IDs(); !slices.Equal(got, []string{"orphan", "stale"}) {
		t.Errorf("upstream after Plan: %v", got)
	}
}

// TestApplyGoesOnAfterAFailure: an action that fails is reported with its
// error, and the actions after it are carried out all the same.
func TestApplyGoesOnAfterAFailure(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	putLocal(t, s, local{"b-public", 1, "public"})
	putLocal(t, s, local{"d-stale", 2, "public"})
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "a-orphan", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	up.Put(reconciletest.Client{ID: "c-orphan", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	up.Put(reconciletest.Client{ID: "d-stale", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	down := fmt.Errorf("%w: the authorization server is down", sdk.ErrUnavailable)
	up.Fail("delete", "a-orphan", down)
	up.Fail("create", "b-public", down)

	opt := reconcile.Options{Grace: grace, MaxDeletes: -1}
	actions, err := reconcile.Plan(ctx, up, s, now, opt)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(actions, func(a, b reconcile.Action) int { return strings.Compare(a.ClientID, b.ClientID) })
	results := reconcile.Apply(ctx, up, s, actions, opt)
	want := map[string]reconcile.Status{"a-orphan": reconcile.Failed, "b-public": reconcile.Failed, "c-orphan": reconcile.Done, "d-stale": reconcile.Done}
	if len(results) != len(want) {
		t.Fatalf("results = %v", results)
	}
	for _, r := range results {
		if r.Status != want[r.Action.ClientID] {
			t.Errorf("%s: %s (%v), want %s", r.Action.ClientID, r.Status, r, want[r.Action.ClientID])
		}
		if r.Status == reconcile.Failed && (!errors.Is(r.Err, sdk.ErrUnavailable) || !strings.HasPrefix(r.String(), "failed to ")) {
			t.Errorf("%s: error %v, line %q", r.Action.ClientID, r.Err, r.String())
		}
	}
	if got := up.IDs(); !slices.Equal(got, []string{"a-orphan", "d-stale"}) {
		t.Errorf("upstream = %v", got)
	}
	if c, _ := up.Get("d-stale"); c.Revision != 2 {
		t.Errorf("d-stale upstream at revision %d", c.Revision)
	}
}

// TestApplySkipsWhatChanged: every action is checked again just before it
// acts. A registration made, changed or deleted between Plan and Apply is
// skipped, and nothing is written for it.
func TestApplySkipsWhatChanged(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	for _, l := range []local{{"public", 1, "public"}, {"confidential", 1, "secret"}, {"gone", 1, "secret"}, {"stale", 2, "public"}, {"stale-gone", 2, "public"}} {
		putLocal(t, s, l)
	}
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "orphan", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	up.Put(reconciletest.Client{ID: "stale", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	up.Put(reconciletest.Client{ID: "stale-gone", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	opt := reconcile.Options{Grace: grace, MaxDeletes: -1}
	actions, err := reconcile.Plan(ctx, up, s, now, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) != 6 {
		t.Fatalf("Plan = %v", actions)
	}

	putLocal(t, s, local{"orphan", 1, "public"}) // its registration completed
	bump(t, s, "public")                         // updated
	bump(t, s, "confidential")                   // updated
	bump(t, s, "stale")                          // updated again
	for _, id := range []string{"gone", "stale-gone"} {
		if err := s.RemoveClient(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	results := reconcile.Apply(ctx, up, s, actions, opt)
	for _, r := range results {
		if r.Status != reconcile.Skipped || !strings.Contains(r.String(), "since the plan") {
			t.Errorf("%s: %s", r.Action.ClientID, r)
		}
	}
	if c := up.Calls(); len(c) != 0 {
		t.Errorf("Apply wrote upstream: %v", c)
	}
	if _, err := s.Get(ctx, "confidential"); err != nil {
		t.Errorf("the updated confidential registration: %v", err)
	}
}

// TestPlanRegistrationDuringThePlan: a registration made while the
// upstream is listed (its upstream client after the listing passed its
// place, its local record before the store's second pass) is not taken
// for a registration without upstream client.
func TestPlanRegistrationDuringThePlan(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	putLocal(t, s, local{"b-existing", 1, "secret"})
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "b-existing", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	racing := &listHook{Upstream: up, after: func() {
		up.Put(reconciletest.Client{ID: "a-new", Revision: 1, CreatedAt: now.Unix()})
		putLocal(t, s, local{"a-new", 1, "secret"})
	}}
	actions, err := reconcile.Plan(ctx, racing, s, now, reconcile.Options{Grace: grace, MaxDeletes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) != 0 {
		t.Errorf("Plan = %v, want nothing", actions)
	}
}

// listHook calls after once the last page is listed.
type listHook struct {
	*reconciletest.Upstream
	after func()
}

func (h *listHook) List(ctx context.Context, token string) (sdk.UpstreamPage, error) {
	p, err := h.Upstream.List(ctx, token)
	if err == nil && p.Next == "" && h.after != nil {
		h.after()
		h.after = nil
	}
	return p, err
}

// TestPlanErrors: a store that cannot list is refused with ErrCannotList,
// and a failing upstream listing, a page token repeated forever or a
// store outage fail the whole plan rather than give a partial one.
func TestPlanErrors(t *testing.T) {
	ctx := context.Background()
	down := fmt.Errorf("%w: down", sdk.ErrUnavailable)
	tests := []struct {
		name  string
		setup func(s *memory.Store, up *reconciletest.Upstream) (sdk.Upstream, sdk.ClientStore)
		want  error
		says  string
	}{
		{"store that cannot list", func(s *memory.Store, up *reconciletest.Upstream) (sdk.Upstream, sdk.ClientStore) {
			return up, struct{ sdk.ClientStore }{s}
		}, reconcile.ErrCannotList, "MongoDB plugin"},
		{"upstream list fails", func(s *memory.Store, up *reconciletest.Upstream) (sdk.Upstream, sdk.ClientStore) {
			up.Fail("list", "", down)
			return up, s
		}, sdk.ErrUnavailable, "list the upstream clients"},
		{"upstream repeats its page token", func(s *memory.Store, up *reconciletest.Upstream) (sdk.Upstream, sdk.ClientStore) {
			return loopingUpstream{up}, s
		}, nil, "same page token"},
		{"store outage on read", func(s *memory.Store, up *reconciletest.Upstream) (sdk.Upstream, sdk.ClientStore) {
			return up, failingGet{s, down}
		}, sdk.ErrUnavailable, "read local registration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memory.New()
			putLocal(t, s, local{"a", 1, "public"})
			up := reconciletest.New()
			up.Put(reconciletest.Client{ID: "a", Revision: 1, CreatedAt: createdAgo(time.Hour)})
			u, st := tc.setup(s, up)
			actions, err := reconcile.Plan(ctx, u, st, now, reconcile.Options{Grace: grace, MaxDeletes: -1})
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.says) || actions != nil {
				t.Errorf("Plan = %v, %v; want %v saying %q", actions, err, tc.want, tc.says)
			}
		})
	}
	if err := reconcile.CheckStore(struct{ sdk.ClientStore }{memory.New()}); !errors.Is(err, reconcile.ErrCannotList) {
		t.Errorf("CheckStore of a store that cannot list = %v", err)
	}
	if err := reconcile.CheckStore(memory.New()); err != nil {
		t.Errorf("CheckStore(memory) = %v", err)
	}
}

type loopingUpstream struct{ *reconciletest.Upstream }

func (loopingUpstream) List(context.Context, string) (sdk.UpstreamPage, error) {
	return sdk.UpstreamPage{Next: "again"}, nil
}

// failingGet is a store whose Get fails with err.
type failingGet struct {
	*memory.Store
	err error
}

func (f failingGet) Get(context.Context, string) (sdk.Client, error) { return sdk.Client{}, f.err }

// TestPlanUnreadableRecords: a local record that does not decode is left
// for review, whether the upstream has its client (Get fails with an
// error other than an outage) or not (the scan passes it with Err).
func TestPlanUnreadableRecords(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	putLocal(t, s, local{"listed", 1, "public"})
	putLocal(t, s, local{"unlisted", 1, "secret"})
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "listed", Revision: 1, CreatedAt: createdAgo(time.Hour)})
	st := undecodable{s}
	actions, err := reconcile.Plan(ctx, up, st, now, reconcile.Options{Grace: grace, MaxDeletes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kinds(actions), []planned{{reconcile.Review, "listed"}, {reconcile.Review, "unlisted"}}; !slices.Equal(got, want) {
		t.Fatalf("Plan = %v, want %v", got, want)
	}
	for _, a := range actions {
		if !strings.Contains(a.Reason, "registrar client scan") {
			t.Errorf("reason %q does not point at registrar client scan", a.Reason)
		}
	}
	for _, r := range reconcile.Apply(ctx, up, st, actions, reconcile.Options{}) {
		if r.Status != reconcile.Left {
			t.Errorf("%v", r)
		}
	}
	if len(snapshot(t, s)) != 2 || len(up.Calls()) != 0 {
		t.Error("Apply changed something")
	}
}

// undecodable is a store none of whose records decodes.
type undecodable struct{ *memory.Store }

var errDecode = errors.New("stored record does not decode")

func (u undecodable) Get(ctx context.Context, id string) (sdk.Client, error) {
	if _, err := u.Store.Get(ctx, id); err != nil {
		return sdk.Client{}, err
	}
	return sdk.Client{}, errDecode
}

func (u undecodable) ScanClients(ctx context.Context, fn func(storeadmin.Record) error) error {
	return u.Store.ScanClients(ctx, func(r storeadmin.Record) error {
		return fn(storeadmin.Record{ClientID: r.ClientID, Err: errDecode})
	})
}

// deletingUpstream is an upstream whose Create lets a delete of the
// registration finish meanwhile (an RFC 7592 delete between its two
// writes).
type deletingUpstream struct {
	*reconciletest.Upstream
	store *memory.Store
}

func (d deletingUpstream) Create(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	got, err := d.Upstream.Create(ctx, p)
	if rerr := d.store.RemoveClient(ctx, p.Client.ID); rerr != nil {
		return got, rerr
	}
	return got, err
}

// TestApplyDoesNotResurrectDeleted: a registration re-created upstream
// while its delete finished locally is taken back out upstream, so that
// the delete's 204 stays true.
func TestApplyDoesNotResurrectDeleted(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	putLocal(t, s, local{"public", 1, "public"})
	up := deletingUpstream{Upstream: reconciletest.New(), store: s}
	opt := reconcile.Options{Grace: grace, MaxDeletes: -1}
	actions, err := reconcile.Plan(ctx, up, s, now, opt)
	if err != nil || len(actions) != 1 || actions[0].Kind != reconcile.CreateUpstream {
		t.Fatalf("Plan = %v, %v", actions, err)
	}
	results := reconcile.Apply(ctx, up, s, actions, opt)
	if len(results) != 1 || !strings.Contains(results[0].String(), "deleted while it was provisioned again") {
		t.Fatalf("Apply = %v", results)
	}
	if ids := up.IDs(); len(ids) != 0 {
		t.Fatalf("the deleted client is alive upstream: %v", ids)
	}
}

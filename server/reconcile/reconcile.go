package reconcile

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin"
)

// DefaultGrace is the grace period of `registrar reconcile` and of the
// periodic reconciler unless configured: an upstream client younger than
// this is never taken for an orphan, since its registration may still be
// writing the local record.
const DefaultGrace = 5 * time.Minute

// DefaultMaxDeletes is the most deletions a plan holds unless told
// otherwise (Options.MaxDeletes).
const DefaultMaxDeletes = 100

// ErrCannotList is returned for a store that cannot list its clients
// (storeadmin.Scanner): reconciliation must read every local registration
// to find those without an upstream client.
var ErrCannotList = errors.New("reconcile needs a store that can list its clients (sqlite, memory); " +
	"a store plugin cannot yet, the MongoDB plugin included")

// Kind is what an Action does.
type Kind string

const (
	// DeleteUpstream deletes an upstream client that has no local
	// registration and is older than the grace period: a create crashed
	// between its upstream and its local write.
	DeleteUpstream Kind = "delete-upstream"
	// CreateUpstream provisions a local registration that has no upstream
	// client again (sdk.OperationCreate, Revision the local record's):
	// possible when nothing of it is lost, that is when it has no client
	// secret or when its secret is sealed and the secret encryption key
	// can open it.
	CreateUpstream Kind = "create-upstream"
	// UpdateUpstream pushes a local registration to an upstream client
	// that holds an older revision of it: an update crashed between its
	// local and its upstream write. The upstream keeps its client secret.
	UpdateUpstream Kind = "update-upstream"
	// DeleteLocal deletes a local registration that has no upstream client
	// and cannot be provisioned again: Registrar keeps only the hash of its
	// client secret. The authorization server does not know the client, so
	// it cannot sign in anyway; once deleted it can register again.
	DeleteLocal Kind = "delete-local"
	// Wait leaves an upstream client without local registration that is
	// younger than the grace period: its registration may be in flight. A
	// later run decides.
	Wait Kind = "wait"
	// Review leaves a divergence to the operator: an upstream client of
	// unknown age (unless Options.DeleteUnknownAge), a local record that
	// does not decode or cannot be read, an upstream client at a later
	// revision than its local registration, or a deletion over
	// Options.MaxDeletes. Apply does nothing with it.
	Review Kind = "review"
)

// Acts reports whether Apply changes something for an action of kind k
// (every kind but Wait and Review).
func (k Kind) Acts() bool { return k != Wait && k != Review && k != "" }

// Action is one repair of a plan.
type Action struct {
	Kind Kind
	// ClientID is the client_id of the upstream client or local
	// registration the action concerns.
	ClientID string
	// Reason says why, in words for the operator that never quote a
	// stored value other than the client_id.
	Reason string
	// Revision is the revision of the local registration the action was
	// planned on (CreateUpstream, UpdateUpstream, DeleteLocal); Apply
	// skips the action when the record has another one by then.
	Revision int64
}

// String describes the action as a command, as in "delete upstream client
// X: no local registration (created 12m ago)"; `registrar reconcile`
// prints it after "would " in a dry run.
func (a Action) String() string { return a.phrase(false) + ": " + a.Reason }

// phrase is the action's verb and object, in the past tense when done.
func (a Action) phrase(done bool) string {
	id := quoteID(a.ClientID)
	verb := map[Kind][2]string{
		DeleteUpstream: {"delete upstream client", "deleted upstream client"},
		CreateUpstream: {"create upstream client", "created upstream client"},
		UpdateUpstream: {"update upstream client", "updated upstream client"},
		DeleteLocal:    {"delete local registration", "deleted local registration"},
		Wait:           {"leave client", "left client"},
		Review:         {"leave client", "left client"},
	}[a.Kind]
	if verb[0] == "" {
		verb = [2]string{string(a.Kind) + " client", string(a.Kind) + " client"}
	}
	if done {
		return verb[1] + " " + id
	}
	return verb[0] + " " + id
}

// Options tune a plan.
type Options struct {
	// Grace is how old an upstream client without local registration must
	// be to be deleted (sdk.UpstreamClient.CreatedAt + Grace at or before
	// now, in whole seconds); a younger one is left (Wait). 0 waits for
	// nothing, whatever the creation time, even one in the future (an
	// upstream may round it up; clocks drift apart). DefaultGrace unless
	// configured.
	Grace time.Duration
	// DeleteUnknownAge takes an upstream client without local registration
	// whose creation time the upstream does not say (CreatedAt 0) for an
	// old one and deletes it; by default it is left for review, since its
	// registration may be in flight.
	DeleteUnknownAge bool
	// MaxDeletes is the most deletions (DeleteUpstream and DeleteLocal
	// together) a plan may hold. A plan that would hold more holds none
	// and lists them for review instead: so many at once more likely mean
	// a store or an upstream other than the server's (an empty store file,
	// another authorization server) than crashes. 0 allows none; a
	// negative value sets no limit. DefaultMaxDeletes is the usual value.
	MaxDeletes int
	// Opener, when set, opens the sealed client secret of a
	// client_secret_jwt registration (the server's secret encryption key,
	// sdk.AESSealer), so that such a registration without upstream client
	// is provisioned again with its secret instead of deleted.
	Opener Opener
	// KeepLocal never deletes a local registration: one that would be
	// deleted (DeleteLocal) is left for review instead. The periodic
	// reconciler sets it, so that a registration is removed only by an
	// operator's `registrar reconcile -apply`, never unattended (an upstream
	// added to a server that already holds registrations, or clients
	// removed from the authorization server by hand, would otherwise
	// delete them).
	KeepLocal bool
}

// Opener recovers a sealed client secret; *sdk.AESSealer is one.
type Opener interface {
	Open(clientID string, sealed []byte) (string, error)
}

var _ Opener = (*sdk.AESSealer)(nil)

// CheckStore returns nil when store can be reconciled (it lists its
// clients, storeadmin.Scanner), ErrCannotList otherwise.
func CheckStore(store sdk.ClientStore) error {
	if _, ok := store.(storeadmin.Scanner); !ok {
		return ErrCannotList
	}
	return nil
}

// Plan compares the upstream clients Registrar provisioned (up.List, which
// lists only those carrying its marker: clients of other owners are never
// considered) with the local registrations in store, and returns the
// repairs, without changing anything:
//
//   - an upstream client with no local registration: DeleteUpstream when
//     it was created opt.Grace or more before now (in whole seconds, as
//     CreatedAt counts), Wait when later,
//     Review when the upstream does not say (CreatedAt 0) unless
//     opt.DeleteUnknownAge;
//   - a local registration with no upstream client: CreateUpstream when it
//     can be provisioned completely (no client secret, or a sealed one
//     opt.Opener opens), DeleteLocal otherwise;
//   - an upstream client at an older revision than its local registration:
//     UpdateUpstream. Revision 0 upstream means the upstream keeps none:
//     such a client is left as it is.
//
// Memory stays small whatever the number of clients: the upstream is read
// a page at a time, the store streams its records, and only a 64-bit keyed
// hash of each local client_id is held between the passes. The store is
// read twice, before and after the upstream, so that a registration made
// meanwhile is never taken for one without upstream client (its upstream
// client is written before its local record, so the first pass sees it
// only if the upstream listing does too). A hash collision can only hide
// a local registration without upstream client until the next run, which
// draws a new key.
//
// The error is ErrCannotList for a store that cannot list, or the error of
// the upstream's List or of the store, when the comparison cannot be made
// (a partial plan could delete what only looks missing).
func Plan(ctx context.Context, up sdk.Upstream, store sdk.ClientStore, now time.Time, opt Options) ([]Action, error) {
	scanner, ok := store.(storeadmin.Scanner)
	if !ok {
		return nil, ErrCannotList
	}
	ids := newIDSet()
	err := scanner.ScanClients(ctx, func(r storeadmin.Record) error {
		ids.add(r.ClientID)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile: list the local registrations: %w", err)
	}
	ids.seal()

	var actions []Action
	for token, pages := "", 0; ; pages++ {
		page, err := up.List(ctx, token)
		if err != nil {
			return nil, fmt.Errorf("reconcile: list the upstream clients: %w", err)
		}
		for _, u := range page.Clients {
			ids.mark(u.ID)
			a, err := planUpstream(ctx, store, u, now, opt)
			if err != nil {
				return nil, err
			}
			if a.Kind != "" {
				actions = append(actions, a)
			}
		}
		if page.Next == "" {
			break
		}
		if page.Next == token {
			return nil, errors.New("reconcile: list the upstream clients: the upstream returned the same page token again")
		}
		token = page.Next
	}

	err = scanner.ScanClients(ctx, func(r storeadmin.Record) error {
		if ids.missing(r.ClientID) {
			actions = append(actions, planLocal(r, opt))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile: list the local registrations: %w", err)
	}
	return limitDeletes(actions, opt.MaxDeletes), nil
}

// planUpstream returns the action an upstream client needs, or a zero
// Action when it is in sync. The error is an outage of the store.
func planUpstream(ctx context.Context, store sdk.ClientStore, u sdk.UpstreamClient, now time.Time, opt Options) (Action, error) {
	c, err := store.Get(ctx, u.ID)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return planOrphan(u, now, opt), nil
	case err != nil && (errors.Is(err, sdk.ErrUnavailable) || ctx.Err() != nil):
		return Action{}, fmt.Errorf("reconcile: read local registration %s: %w", quoteID(u.ID), err)
	case err != nil:
		return Action{Kind: Review, ClientID: u.ID,
			Reason: "its local registration cannot be read (registrar client scan tells why): " + err.Error()}, nil
	}
	switch {
	case u.Revision == 0 || u.Revision == c.Revision:
		return Action{}, nil
	case u.Revision < c.Revision:
		return Action{Kind: UpdateUpstream, ClientID: u.ID, Revision: c.Revision,
			Reason: fmt.Sprintf("the upstream client holds revision %d, the local registration is at %d", u.Revision, c.Revision)}, nil
	}
	return Action{Kind: Review, ClientID: u.ID, Revision: c.Revision,
		Reason: fmt.Sprintf("the upstream client holds revision %d, later than the local registration's %d "+
			"(a store restored from a backup, or another Registrar writing with the same marker?)", u.Revision, c.Revision)}, nil
}

// planOrphan returns the action for an upstream client without local
// registration.
func planOrphan(u sdk.UpstreamClient, now time.Time, opt Options) Action {
	a := Action{ClientID: u.ID}
	if u.CreatedAt == 0 {
		if opt.DeleteUnknownAge {
			a.Kind, a.Reason = DeleteUpstream, "no local registration (the upstream does not say when it was created)"
		} else {
			a.Kind, a.Reason = Review, "upstream client without local registration, of unknown age: "+
				"the upstream does not say when it was created, so its registration may be in flight "+
				"(registrar reconcile -delete-unknown-age deletes it)"
		}
		return a
	}
	// CreatedAt counts whole seconds, so ages do too. No grace period
	// waits for nothing: a creation time in the current second or later
	// (an upstream may round it up; clocks drift apart) does not hold the
	// deletion back.
	age := time.Duration(now.Unix()-u.CreatedAt) * time.Second
	if opt.Grace <= 0 || age >= opt.Grace {
		a.Kind, a.Reason = DeleteUpstream, "no local registration (created "+ago(age)+" ago)"
		if age < 0 {
			a.Reason = "no local registration (created " + ago(-age) + " in the future by this server's clock; no grace period)"
		}
		return a
	}
	a.Kind = Wait
	if age < 0 {
		a.Reason = "upstream client without local registration yet, created " + ago(-age) +
			" in the future by this server's clock (clocks apart?): its registration may be in flight"
		return a
	}
	a.Reason = fmt.Sprintf("upstream client without local registration yet (created %s ago, within the grace period of %s): "+
		"its registration may be in flight", ago(age), ago(opt.Grace))
	return a
}

// planLocal returns the action for a local registration without upstream
// client.
func planLocal(r storeadmin.Record, opt Options) Action {
	a := Action{ClientID: r.ClientID, Revision: r.Client.Revision}
	c := r.Client
	switch {
	case r.Err != nil:
		a.Kind, a.Revision = Review, 0
		a.Reason = "local registration without upstream client whose stored record does not decode " +
			"(registrar client scan, then registrar client delete)"
	case !c.HasSecret():
		a.Kind = CreateUpstream
		a.Reason = "no upstream client; the local registration has no client secret, so it is provisioned again whole"
	case c.SecretSealed != nil && opt.Opener != nil:
		a.Kind = CreateUpstream
		a.Reason = "no upstream client; the client secret is provisioned again, recovered with the secret encryption key"
	case opt.KeepLocal:
		a.Kind = Review
		a.Reason = "no upstream client, and its client secret cannot be provisioned again (Registrar keeps only its hash): " +
			"left for `registrar reconcile -apply`, which deletes the registration (the periodic reconciler never does)"
	default:
		a.Kind = DeleteLocal
		a.Reason = "no upstream client, and its client secret cannot be provisioned again (Registrar keeps only its hash): " +
			"the authorization server does not know this client, so it cannot sign in; " +
			"once its registration is deleted it can register again"
	}
	return a
}

// limitDeletes turns every deletion of actions into a Review when there
// are more than max (max >= 0).
func limitDeletes(actions []Action, max int) []Action {
	if max < 0 {
		return actions
	}
	n := 0
	for _, a := range actions {
		if a.Kind == DeleteUpstream || a.Kind == DeleteLocal {
			n++
		}
	}
	if n <= max {
		return actions
	}
	for i, a := range actions {
		if a.Kind == DeleteUpstream || a.Kind == DeleteLocal {
			actions[i].Reason = fmt.Sprintf("not deleted: %d deletions planned, more than the limit of %d "+
				"(is the configured store or upstream the server's? registrar reconcile -max-deletes raises the limit): would %s",
				n, max, a.String())
			actions[i].Kind = Review
		}
	}
	return actions
}

// ago formats an age for a reason: "45s", "12m", "3h5m", "9d".
func ago(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= 2*day {
		return fmt.Sprintf("%dd", d/day)
	}
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// idSet holds the client_ids of the first pass over the store as keyed
// 64-bit hashes, sorted, with whether the upstream listed each.
type idSet struct {
	seed maphash.Seed
	sums []uint64
	seen []bool
}

func newIDSet() *idSet { return &idSet{seed: maphash.MakeSeed()} }

func (s *idSet) sum(id string) uint64 { return maphash.String(s.seed, id) }

func (s *idSet) add(id string) { s.sums = append(s.sums, s.sum(id)) }

func (s *idSet) seal() {
	slices.Sort(s.sums)
	s.seen = make([]bool, len(s.sums))
}

// mark records that the upstream listed id.
func (s *idSet) mark(id string) {
	h := s.sum(id)
	i, _ := slices.BinarySearch(s.sums, h)
	for ; i < len(s.sums) && s.sums[i] == h; i++ {
		s.seen[i] = true
	}
}

// missing reports whether id was in the first pass and the upstream did
// not list it. An id added to the store after the first pass is not
// missing.
func (s *idSet) missing(id string) bool {
	i, found := slices.BinarySearch(s.sums, s.sum(id))
	return found && !s.seen[i]
}

// quoteID returns a client_id as is when it is printable ASCII without
// spaces, quoted otherwise, so that a line of output is one action.
func quoteID(s string) string {
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '"' {
			return fmt.Sprintf("%q", s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// Package reconciletest holds an in-memory sdk.Upstream for the tests of
// reconciliation and of what runs it: an authorization server that keeps
// clients of several owners, lists only Registrar's (those carrying its
// marker), keeps the revision of each write, and can be told to fail an
// operation on a client.
package reconciletest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// Client is one client the fake upstream holds.
type Client struct {
	ID string
	// Owner is "" for a client Registrar provisioned (carrying its
	// marker), anything else for a client of another owner, which List
	// never returns and Update and Delete never touch.
	Owner string
	// Revision is the Provision.Revision of the last write.
	Revision int64
	// CreatedAt is the creation time in seconds since the epoch; 0 for
	// unknown.
	CreatedAt int64
	// Secret is the plaintext client secret the upstream verifies; "" for
	// none.
	Secret string
	// Client is the provisioned client (redacted, as received).
	Client sdk.Client
}

// Upstream is an in-memory sdk.Upstream. Its zero value is not usable;
// call New.
type Upstream struct {
	// PageSize is the number of clients per List page (1 or more).
	PageSize int
	// Now is the clock of CreatedAt on Create.
	Now func() time.Time

	mu      sync.Mutex
	clients map[string]Client
	fail    map[string]error
	calls   []string
}

var _ sdk.Upstream = (*Upstream)(nil)

// New returns an empty Upstream listing 2 clients per page.
func New() *Upstream {
	return &Upstream{PageSize: 2, Now: time.Now, clients: map[string]Client{}, fail: map[string]error{}}
}

// Put stores c as is.
func (u *Upstream) Put(c Client) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.clients[c.ID] = c
}

// Get returns the client with the given id, whoever its owner.
func (u *Upstream) Get(id string) (Client, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	c, ok := u.clients[id]
	return c, ok
}

// IDs returns the ids of every client held, whoever its owner, sorted.
func (u *Upstream) IDs() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	ids := make([]string, 0, len(u.clients))
	for id := range u.clients {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Fail makes every later call of op ("create", "update", "delete", or
// "list" with id "") on the client id return err; a nil err stops it.
func (u *Upstream) Fail(op, id string, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err == nil {
		delete(u.fail, op+" "+id)
		return
	}
	u.fail[op+" "+id] = err
}

// Calls returns the writes received so far, as "create ID", "update ID",
// "delete ID", in order.
func (u *Upstream) Calls() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.calls)
}

func (u *Upstream) begin(ctx context.Context, op, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if op != "list" {
		u.calls = append(u.calls, op+" "+id)
	}
	return u.fail[op+" "+id]
}

// Create stores a new client of Registrar's, ErrAlreadyExists when the id
// is taken (by any owner).
func (u *Upstream) Create(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.begin(ctx, "create", p.Client.ID); err != nil {
		return sdk.Provisioned{}, err
	}
	if _, ok := u.clients[p.Client.ID]; ok {
		return sdk.Provisioned{}, fmt.Errorf("%w: upstream client %s", sdk.ErrAlreadyExists, p.Client.ID)
	}
	u.clients[p.Client.ID] = Client{ID: p.Client.ID, Revision: p.Revision, CreatedAt: u.Now().Unix(),
		Secret: p.ClientSecret, Client: p.Client}
	return sdk.Provisioned{}, nil
}

// Update replaces a client of Registrar's, keeping its secret when
// p.ClientSecret is empty and p.Client.HasSecret(); ErrNotFound for a
// missing client or another owner's.
func (u *Upstream) Update(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.begin(ctx, "update", p.Client.ID); err != nil {
		return sdk.Provisioned{}, err
	}
	c, ok := u.clients[p.Client.ID]
	if !ok || c.Owner != "" {
		return sdk.Provisioned{}, fmt.Errorf("%w: upstream client %s", sdk.ErrNotFound, p.Client.ID)
	}
	c.Revision, c.Client = p.Revision, p.Client
	switch {
	case p.ClientSecret != "":
		c.Secret = p.ClientSecret
	case !p.Client.HasSecret():
		c.Secret = ""
	}
	u.clients[c.ID] = c
	return sdk.Provisioned{}, nil
}

// Delete removes a client of Registrar's; ErrNotFound for a missing
// client or another owner's.
func (u *Upstream) Delete(ctx context.Context, id string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.begin(ctx, "delete", id); err != nil {
		return err
	}
	if c, ok := u.clients[id]; !ok || c.Owner != "" {
		return fmt.Errorf("%w: upstream client %s", sdk.ErrNotFound, id)
	}
	delete(u.clients, id)
	return nil
}

// List returns Registrar's clients in id order, PageSize at a time; the
// page token is the index of the page's first client.
func (u *Upstream) List(ctx context.Context, pageToken string) (sdk.UpstreamPage, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.begin(ctx, "list", ""); err != nil {
		return sdk.UpstreamPage{}, err
	}
	var ids []string
	for id, c := range u.clients {
		if c.Owner == "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	start := 0
	if pageToken != "" {
		var err error
		if start, err = strconv.Atoi(pageToken); err != nil || start < 0 || start > len(ids) {
			return sdk.UpstreamPage{}, fmt.Errorf("bad page token %q", pageToken)
		}
	}
	end := min(start+max(u.PageSize, 1), len(ids))
	page := sdk.UpstreamPage{}
	for _, id := range ids[start:end] {
		c := u.clients[id]
		page.Clients = append(page.Clients, sdk.UpstreamClient{ID: c.ID, Revision: c.Revision, CreatedAt: c.CreatedAt})
	}
	if end < len(ids) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

// Health returns nil.
func (u *Upstream) Health(context.Context) error { return nil }

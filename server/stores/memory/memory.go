package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/registrar-dcr/registrar/sdk"
)

// ErrTokenHashInUse is returned by Create and Update when another client
// already holds the registration token hash. Hashes of 256-bit random
// tokens never collide, so this points at a bug in the caller; it is not
// sdk.ErrAlreadyExists, which is about the client_id.
var ErrTokenHashInUse = errors.New("memory: registration token hash already in use")

// Store is an in-memory sdk.Store. The zero value is not ready; use New.
// A Store is safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	clients map[string]sdk.Client // client_id -> record
	byToken map[string]string     // registration token hash -> client_id; "" never indexed
}

var _ sdk.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{
		clients: make(map[string]sdk.Client),
		byToken: make(map[string]string),
	}
}

// Create stores a copy of c with Revision 1 and returns another copy. It
// fails with sdk.ErrAlreadyExists when c.ID is taken, and with
// ErrTokenHashInUse when another client holds c.RegistrationTokenHash.
func (s *Store) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, fmt.Errorf("memory: create: %w", err)
	}
	c = c.Clone()
	c.Revision = 1

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; ok {
		return sdk.Client{}, fmt.Errorf("%w: client %q", sdk.ErrAlreadyExists, c.ID)
	}
	if c.RegistrationTokenHash != "" {
		if _, ok := s.byToken[c.RegistrationTokenHash]; ok {
			return sdk.Client{}, ErrTokenHashInUse
		}
		s.byToken[c.RegistrationTokenHash] = c.ID
	}
	s.clients[c.ID] = c
	return c.Clone(), nil
}

// Get returns a copy of the client with the given client_id, or
// sdk.ErrNotFound.
func (s *Store) Get(ctx context.Context, clientID string) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, fmt.Errorf("memory: get: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[clientID]
	if !ok {
		return sdk.Client{}, fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
	}
	return c.Clone(), nil
}

// GetByRegistrationToken returns a copy of the client whose current
// registration token hash is tokenHash. An empty tokenHash matches no
// client (a revoked client has an empty hash): sdk.ErrNotFound.
func (s *Store) GetByRegistrationToken(ctx context.Context, tokenHash string) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, fmt.Errorf("memory: get by registration token: %w", err)
	}
	if tokenHash == "" {
		return sdk.Client{}, sdk.ErrNotFound
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byToken[tokenHash]
	if !ok {
		return sdk.Client{}, sdk.ErrNotFound
	}
	return s.clients[id].Clone(), nil
}

// Update replaces the stored client with a copy of c when the stored
// revision equals c.Revision, and returns it with Revision+1. It fails with
// sdk.ErrNotFound when there is no such client, sdk.ErrConflict when the
// revision is stale, and ErrTokenHashInUse when another client holds the
// new registration token hash; on failure nothing changes.
func (s *Store) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, fmt.Errorf("memory: update: %w", err)
	}
	c = c.Clone()

	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.clients[c.ID]
	if !ok {
		return sdk.Client{}, fmt.Errorf("%w: client %q", sdk.ErrNotFound, c.ID)
	}
	if old.Revision != c.Revision {
		return sdk.Client{}, fmt.Errorf("%w: client %q is at revision %d, not %d", sdk.ErrConflict, c.ID, old.Revision, c.Revision)
	}
	if h := c.RegistrationTokenHash; h != "" && h != old.RegistrationTokenHash {
		if _, taken := s.byToken[h]; taken {
			return sdk.Client{}, ErrTokenHashInUse
		}
	}
	if old.RegistrationTokenHash != c.RegistrationTokenHash {
		if old.RegistrationTokenHash != "" {
			delete(s.byToken, old.RegistrationTokenHash)
		}
		if c.RegistrationTokenHash != "" {
			s.byToken[c.RegistrationTokenHash] = c.ID
		}
	}
	c.Revision = old.Revision + 1
	s.clients[c.ID] = c
	return c.Clone(), nil
}

// Delete removes the client when the stored revision equals revision. It
// fails with sdk.ErrNotFound when there is no such client and sdk.ErrConflict
// when the revision is stale.
func (s *Store) Delete(ctx context.Context, clientID string, revision int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.clients[clientID]
	if !ok {
		return fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
	}
	if old.Revision != revision {
		return fmt.Errorf("%w: client %q is at revision %d, not %d", sdk.ErrConflict, clientID, old.Revision, revision)
	}
	if old.RegistrationTokenHash != "" {
		delete(s.byToken, old.RegistrationTokenHash)
	}
	delete(s.clients, clientID)
	return nil
}

// Health returns nil: an in-memory store is always able to answer. It
// returns the context's error when ctx is done.
func (s *Store) Health(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: health: %w", err)
	}
	return nil
}

// Len returns the number of stored clients.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.clients)
}

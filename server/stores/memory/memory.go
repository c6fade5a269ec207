package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin"
)

// ErrTokenHashInUse is returned by Create and Update when another client
// already holds the registration token hash. Hashes of 256-bit random
// tokens never collide, so this points at a bug in the caller; it is not
// sdk.ErrAlreadyExists, which is about the client_id.
var ErrTokenHashInUse = errors.New("memory: registration token hash already in use")

// ErrTokenHashChanged is returned by UpdateToken when t.Hash differs from
// the stored token's: the hash is the token's identity, as its ID is, and
// never changes. It is a bug of the caller, not an answer about the data.
var ErrTokenHashChanged = errors.New("memory: the hash of an initial access token cannot change")

// errEmptyIdentity refuses CreateToken of a token without ID or Hash.
var errEmptyIdentity = errors.New("memory: create token: an initial access token needs an ID and a Hash")

// Store is an in-memory sdk.Store. The zero value is not ready; use New.
// A Store is safe for concurrent use.
type Store struct {
	mu        sync.RWMutex
	clients   map[string]sdk.Client             // client_id -> record
	byToken   map[string]string                 // registration token hash -> client_id; "" never indexed
	profiles  map[string]int64                  // profile -> number of clients; no zero entries
	tokens    map[string]sdk.InitialAccessToken // initial access token ID -> record
	tokenHash map[string]string                 // initial access token hash -> ID
	jti       map[string]int64                  // replay key -> expiresAt
}

var _ sdk.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{
		clients:   make(map[string]sdk.Client),
		byToken:   make(map[string]string),
		profiles:  make(map[string]int64),
		tokens:    make(map[string]sdk.InitialAccessToken),
		tokenHash: make(map[string]string),
		jti:       make(map[string]int64),
	}
}

// count adds delta to the number of clients of profile.
func (s *Store) count(profile string, delta int64) {
	if n := s.profiles[profile] + delta; n != 0 {
		s.profiles[profile] = n
	} else {
		delete(s.profiles, profile)
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
	s.count(c.Profile, 1)
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
	s.count(old.Profile, -1)
	s.count(c.Profile, 1)
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
	s.count(old.Profile, -1)
	return nil
}

// CountClients returns the number of clients whose Profile is profile; 0
// for a profile nobody registered under.
func (s *Store) CountClients(ctx context.Context, profile string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory: count clients: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.profiles[profile], nil
}

// CreateToken stores t with Revision 1 and returns it so. It fails with
// sdk.ErrAlreadyExists when t.ID or t.Hash is taken, and refuses a token
// whose ID or Hash is empty.
func (s *Store) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return sdk.InitialAccessToken{}, fmt.Errorf("memory: create token: %w", err)
	}
	if t.ID == "" || t.Hash == "" {
		return sdk.InitialAccessToken{}, errEmptyIdentity
	}
	t.Revision = 1

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tokens[t.ID]; ok {
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q", sdk.ErrAlreadyExists, t.ID)
	}
	if _, ok := s.tokenHash[t.Hash]; ok {
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token hash (token %q)", sdk.ErrAlreadyExists, t.ID)
	}
	s.tokens[t.ID] = t
	s.tokenHash[t.Hash] = t.ID
	return t, nil
}

// GetToken returns the initial access token whose Hash is hash, or
// sdk.ErrNotFound.
func (s *Store) GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return sdk.InitialAccessToken{}, fmt.Errorf("memory: get token: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.tokenHash[hash]
	if !ok {
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token", sdk.ErrNotFound)
	}
	return s.tokens[id], nil
}

// ListTokens returns every initial access token ordered by CreatedAt then
// ID.
func (s *Store) ListTokens(ctx context.Context) ([]sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: list tokens: %w", err)
	}
	s.mu.RLock()
	list := slices.Collect(maps.Values(s.tokens))
	s.mu.RUnlock()
	slices.SortFunc(list, func(a, b sdk.InitialAccessToken) int {
		return cmp.Or(cmp.Compare(a.CreatedAt, b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// UpdateToken replaces the stored token with the same ID by t when the
// stored revision equals t.Revision, and returns it with Revision+1. It
// fails with sdk.ErrNotFound when there is no such token, sdk.ErrConflict
// when the revision is stale, and ErrTokenHashChanged when t.Hash is not
// the stored hash (checked after the revision); nothing changes then.
func (s *Store) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return sdk.InitialAccessToken{}, fmt.Errorf("memory: update token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens[t.ID]
	switch {
	case !ok:
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q", sdk.ErrNotFound, t.ID)
	case old.Revision != t.Revision:
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q is at revision %d, not %d",
			sdk.ErrConflict, t.ID, old.Revision, t.Revision)
	case old.Hash != t.Hash:
		return sdk.InitialAccessToken{}, fmt.Errorf("%w (token %q)", ErrTokenHashChanged, t.ID)
	}
	t.Revision = old.Revision + 1
	s.tokens[t.ID] = t
	return t, nil
}

// MarkJTIUsed records key until expiresAt. It fails with
// sdk.ErrAlreadyExists when key is recorded with an expiry later than now
// (a replay); an expired record is replaced. Expired records are not
// removed otherwise: the store is for tests and demos.
func (s *Store) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: mark jti used: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.jti[key]; ok && exp > now {
		return fmt.Errorf("%w: jti recorded until %d", sdk.ErrAlreadyExists, exp)
	}
	s.jti[key] = expiresAt
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

var (
	_ storeadmin.Scanner = (*Store)(nil)
	_ storeadmin.Remover = (*Store)(nil)
)

// ScanClients calls fn with a copy of every client, in client_id order
// (storeadmin.Scanner). The records always decode: they are kept as
// values. fn runs without the store's lock held, over a snapshot taken
// when the scan starts.
func (s *Store) ScanClients(ctx context.Context, fn func(storeadmin.Record) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: scan clients: %w", err)
	}
	s.mu.RLock()
	recs := make([]storeadmin.Record, 0, len(s.clients))
	for id, c := range s.clients {
		recs = append(recs, storeadmin.Record{ClientID: id, Client: c.Clone()})
	}
	s.mu.RUnlock()
	slices.SortFunc(recs, func(a, b storeadmin.Record) int { return strings.Compare(a.ClientID, b.ClientID) })
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("memory: scan clients: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// RemoveClient deletes the client stored under clientID whatever its
// revision (storeadmin.Remover); sdk.ErrNotFound when there is none.
func (s *Store) RemoveClient(ctx context.Context, clientID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: remove client: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.clients[clientID]
	if !ok {
		return fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
	}
	if old.RegistrationTokenHash != "" {
		delete(s.byToken, old.RegistrationTokenHash)
	}
	delete(s.clients, clientID)
	s.count(old.Profile, -1)
	return nil
}

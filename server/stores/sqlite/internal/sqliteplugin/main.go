// Command sqliteplugin serves the built-in SQLite store as a store plugin.
// Its tests run the store conformance suite through the real plugin wire,
// proving that the wire changes nothing a store promises.
//
// Configuration: {"path": "/absolute/path/to/registrar.db"}.
package main

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/server/stores/sqlite"
)

// lazyStore opens the database when the plugin is configured.
type lazyStore struct {
	mu sync.RWMutex
	s  *sqlite.Store
}

var _ sdk.Store = (*lazyStore)(nil)

func (l *lazyStore) store() (*sqlite.Store, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.s == nil {
		return nil, sdk.ErrUnavailable
	}
	return l.s, nil
}

func (l *lazyStore) configure(ctx context.Context, raw []byte) error {
	var cfg struct {
		Path string `json:"path"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Path == "" {
		return &plugin.ConfigError{Attribute: "path", Message: "an absolute database path is required"}
	}
	s, err := sqlite.Open(ctx, cfg.Path, sqlite.Options{})
	if err != nil {
		return &plugin.ConfigError{Attribute: "path", Message: err.Error()}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s != nil {
		l.s.Close()
	}
	l.s = s
	return nil
}

func (l *lazyStore) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	s, err := l.store()
	if err != nil {
		return sdk.Client{}, err
	}
	return s.Create(ctx, c)
}

func (l *lazyStore) Get(ctx context.Context, id string) (sdk.Client, error) {
	s, err := l.store()
	if err != nil {
		return sdk.Client{}, err
	}
	return s.Get(ctx, id)
}

func (l *lazyStore) GetByRegistrationToken(ctx context.Context, hash string) (sdk.Client, error) {
	s, err := l.store()
	if err != nil {
		return sdk.Client{}, err
	}
	return s.GetByRegistrationToken(ctx, hash)
}

func (l *lazyStore) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	s, err := l.store()
	if err != nil {
		return sdk.Client{}, err
	}
	return s.Update(ctx, c)
}

func (l *lazyStore) Delete(ctx context.Context, id string, revision int64) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Delete(ctx, id, revision)
}

func (l *lazyStore) CountClients(ctx context.Context, profile string) (int64, error) {
	s, err := l.store()
	if err != nil {
		return 0, err
	}
	return s.CountClients(ctx, profile)
}

func (l *lazyStore) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	s, err := l.store()
	if err != nil {
		return sdk.InitialAccessToken{}, err
	}
	return s.CreateToken(ctx, t)
}

func (l *lazyStore) GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error) {
	s, err := l.store()
	if err != nil {
		return sdk.InitialAccessToken{}, err
	}
	return s.GetToken(ctx, hash)
}

func (l *lazyStore) ListTokens(ctx context.Context) ([]sdk.InitialAccessToken, error) {
	s, err := l.store()
	if err != nil {
		return nil, err
	}
	return s.ListTokens(ctx)
}

func (l *lazyStore) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	s, err := l.store()
	if err != nil {
		return sdk.InitialAccessToken{}, err
	}
	return s.UpdateToken(ctx, t)
}

func (l *lazyStore) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.MarkJTIUsed(ctx, key, expiresAt, now)
}

func (l *lazyStore) Health(ctx context.Context) error {
	s, err := l.store()
	if err != nil {
		return err
	}
	return s.Health(ctx)
}

func main() {
	st := &lazyStore{}
	plugin.Serve(&plugin.ServeConfig{Store: st, Configure: st.configure, Health: st.Health})
}

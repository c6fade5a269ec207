package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/pluginhost"
	"github.com/registrar-dcr/registrar/server/stores/memory"
	"github.com/registrar-dcr/registrar/server/stores/sqlite"
)

// OpenStore opens the store of cfg alone, starting its plugins when it
// has some, for commands that work on the store without serving
// (registrar token ...). Close the returned closer when done.
func OpenStore(ctx context.Context, cfg *config.Config, log hclog.Logger) (sdk.Store, io.Closer, error) {
	var plugins []config.Plugin
	for _, st := range []config.Store{cfg.Store, cfg.Store.TokenStore()} {
		if st.Kind != config.StorePlugin {
			continue
		}
		p, ok := cfg.Plugin(st.Plugin)
		if !ok {
			return nil, nil, fmt.Errorf("store plugin %q is not configured", st.Plugin)
		}
		if !slices.ContainsFunc(plugins, func(q config.Plugin) bool { return q.Name == p.Name }) {
			plugins = append(plugins, p)
		}
	}
	var host *pluginhost.Host
	if len(plugins) > 0 {
		var err error
		if host, err = pluginhost.Start(ctx, plugins, log); err != nil {
			return nil, nil, err
		}
	}
	s, closers, err := openStore(ctx, cfg.Store, host)
	if host != nil {
		closers = append(closers, host)
	}
	closer := closeAll(closers)
	if err != nil {
		return nil, nil, errors.Join(err, closer.Close())
	}
	return s, closer, nil
}

// openStore opens the store st, whose plugins host runs. It returns what
// to close when done, also on error. A plugin store with a tokens block is
// composed: clients in the plugin, initial access tokens and jtis in the
// tokens store.
func openStore(ctx context.Context, st config.Store, host *pluginhost.Host) (sdk.Store, []io.Closer, error) {
	if st.Kind == config.StorePlugin && st.Tokens != nil {
		clients, err := host.ClientStore(st.Plugin)
		if err != nil {
			return nil, nil, fmt.Errorf("store plugin: %w", err)
		}
		tokens, closers, err := openStore(ctx, *st.Tokens, host)
		if err != nil {
			return nil, closers, fmt.Errorf("tokens store: %w", err)
		}
		return composed{clients, tokens, tokens}, closers, nil
	}
	switch st.Kind {
	case config.StoreMemory:
		return memory.New(), nil, nil
	case config.StoreSQLite:
		s, err := openSQLite(ctx, st.Path)
		if err != nil {
			return nil, nil, err
		}
		return s, []io.Closer{s}, nil
	case config.StorePlugin:
		s, err := host.Store(st.Plugin)
		if err != nil {
			if _, cerr := host.ClientStore(st.Plugin); cerr == nil {
				// It keeps clients, not tokens or jtis.
				err = fmt.Errorf("%w; a store plugin that keeps clients alone needs a tokens block in its store block, "+
					"for the initial access tokens and software-statement jtis (for example tokens \"sqlite\" { path = \"data/registrar.db\" })", err)
			}
			return nil, nil, err
		}
		return s, nil, nil
	}
	return nil, nil, fmt.Errorf("unknown store kind %q", st.Kind)
}

// composed is the store of a plugin that keeps clients alone: clients in
// one store, initial access tokens and software-statement jtis in others
// (the tokens block of store "plugin"). Each call goes to the store of its
// part; no call spans two stores.
type composed struct {
	sdk.ClientStore
	sdk.TokenStore
	sdk.JTIStore
}

var _ sdk.Store = composed{}

// Health returns nil when every part can serve requests, and the first
// part's error otherwise.
func (s composed) Health(ctx context.Context) error {
	if err := s.ClientStore.Health(ctx); err != nil {
		return err
	}
	if err := s.TokenStore.Health(ctx); err != nil {
		return err
	}
	if sameStore(s.TokenStore, s.JTIStore) {
		return nil
	}
	return s.JTIStore.Health(ctx)
}

// sameStore reports whether a and b are the same pointer to a store (as
// the tokens and jtis of a built-in tokens store are). It never compares
// values, which could panic.
func sameStore(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	return va.IsValid() && vb.IsValid() && va.Type() == vb.Type() &&
		va.Kind() == reflect.Pointer && va.Pointer() == vb.Pointer()
}

// closeAll closes closers in reverse order, joining their errors.
type closeAll []io.Closer

func (c closeAll) Close() error {
	var errs []error
	for i := len(c) - 1; i >= 0; i-- {
		errs = append(errs, c[i].Close())
	}
	return errors.Join(errs...)
}

// openSQLite opens the SQLite store at path, creating its directory
// (owner only) when missing.
func openSQLite(ctx context.Context, path string) (*sqlite.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return s, nil
}

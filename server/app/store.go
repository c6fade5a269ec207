package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/pluginhost"
	"github.com/registrar-dcr/registrar/server/stores/memory"
	"github.com/registrar-dcr/registrar/server/stores/sqlite"
)

// OpenStore opens the store of cfg alone, starting its plugin when the
// store is one, for commands that work on the store without serving
// (registrar token ...). Close the returned closer when done.
func OpenStore(ctx context.Context, cfg *config.Config, log hclog.Logger) (sdk.Store, io.Closer, error) {
	switch cfg.Store.Kind {
	case config.StoreMemory:
		return memory.New(), io.NopCloser(nil), nil
	case config.StoreSQLite:
		s, err := openSQLite(ctx, cfg.Store.Path)
		if err != nil {
			return nil, nil, err
		}
		return s, s, nil
	case config.StorePlugin:
		p, ok := cfg.Plugin(cfg.Store.Plugin)
		if !ok {
			return nil, nil, fmt.Errorf("store plugin %q is not configured", cfg.Store.Plugin)
		}
		host, err := pluginhost.Start(ctx, []config.Plugin{p}, log)
		if err != nil {
			return nil, nil, err
		}
		s, err := host.Store(p.Name)
		if err != nil {
			return nil, nil, errors.Join(err, host.Close())
		}
		return s, host, nil
	}
	return nil, nil, fmt.Errorf("unknown store kind %q", cfg.Store.Kind)
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

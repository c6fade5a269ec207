package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/pluginhost"
)

// ErrNoUpstream is returned by OpenUpstream when the configuration has no
// upstream block.
var ErrNoUpstream = errors.New("the configuration has no upstream block")

// OpenUpstream opens the upstream of cfg alone (the authorization server
// clients are provisioned into), starting its plugin, for commands that
// work on it without serving (registrar reconcile). Every call goes through
// the plugin host as in serve: the plugin's per-call timeout, a restart
// after a crash, sdk.ErrUnavailable while it is down. Close the returned
// closer when done; it stops the plugin. It returns ErrNoUpstream when cfg
// has no upstream block.
func OpenUpstream(ctx context.Context, cfg *config.Config, log hclog.Logger) (sdk.Upstream, io.Closer, error) {
	if cfg.Upstream == nil {
		return nil, nil, ErrNoUpstream
	}
	var plugins []config.Plugin
	if cfg.Upstream.Kind == config.UpstreamPlugin {
		p, ok := cfg.Plugin(cfg.Upstream.Plugin)
		if !ok {
			return nil, nil, fmt.Errorf("upstream plugin %q is not configured", cfg.Upstream.Plugin)
		}
		plugins = append(plugins, p)
	}
	host, err := pluginhost.Start(ctx, plugins, log)
	if err != nil {
		return nil, nil, err
	}
	up, err := openUpstream(*cfg.Upstream, host)
	if err != nil {
		return nil, nil, errors.Join(err, host.Close())
	}
	return up, host, nil
}

// openUpstream returns the upstream u, whose plugin host runs.
func openUpstream(u config.Upstream, host *pluginhost.Host) (sdk.Upstream, error) {
	switch u.Kind {
	case config.UpstreamPlugin:
		up, err := host.Upstream(u.Plugin)
		if err != nil {
			return nil, fmt.Errorf("upstream plugin: %w", err)
		}
		return up, nil
	}
	return nil, fmt.Errorf("unknown upstream kind %q", u.Kind)
}

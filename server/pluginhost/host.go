package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/server/config"
)

// Backoff bounds of restarts after a plugin exits or fails to start.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Host owns the configured plugins.
type Host struct {
	log     hclog.Logger
	plugins map[string]*supervisor
}

// Start launches and configures every plugin in plugins. It fails on the
// first required plugin that does not start or rejects its configuration;
// a rejected attribute comes back as a diagnostic pointing at its line in
// the configuration file (config.Plugin.ConfigError).
func Start(ctx context.Context, plugins []config.Plugin, log hclog.Logger) (*Host, error) {
	h := &Host{log: log, plugins: make(map[string]*supervisor, len(plugins))}
	for _, p := range plugins {
		s := &supervisor{cfg: p, log: log.Named("plugin")}
		h.plugins[p.Name] = s
		if err := s.start(ctx); err != nil {
			var ce *plugin.ConfigError
			if errors.As(err, &ce) {
				h.Close()
				return nil, p.ConfigError(ce.Attribute, ce.Message)
			}
			if !p.Optional {
				h.Close()
				return nil, fmt.Errorf("plugin %q did not start: %w", p.Name, err)
			}
			s.log.Error("optional plugin did not start; /readyz reports it and calls answer 503 until it does",
				"plugin", p.Name, "error", err)
		}
	}
	return h, nil
}

// Close stops every plugin.
func (h *Host) Close() error {
	for _, s := range h.plugins {
		s.stop()
	}
	return nil
}

// Checks returns a readiness check per plugin, named "plugin:NAME".
func (h *Host) Checks() map[string]func(context.Context) error {
	checks := make(map[string]func(context.Context) error, len(h.plugins))
	for name, s := range h.plugins {
		checks["plugin:"+name] = s.health
	}
	return checks
}

// Names returns the configured plugin names, sorted.
func (h *Host) Names() []string {
	names := make([]string, 0, len(h.plugins))
	for n := range h.plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (h *Host) get(name, kind string) (*supervisor, error) {
	s, ok := h.plugins[name]
	if !ok {
		return nil, fmt.Errorf("no plugin named %q is configured", name)
	}
	if in := s.current(); in != nil && !in.Serves(kind) {
		return nil, fmt.Errorf("plugin %q does not serve a %s (it serves %v)", name, kind, in.Kinds())
	}
	return s, nil
}

// Validator returns the validator served by the named plugin.
func (h *Host) Validator(name string) (sdk.Validator, error) {
	s, err := h.get(name, plugin.KindValidator)
	if err != nil {
		return nil, err
	}
	return validator{s}, nil
}

// Processor returns the processor served by the named plugin.
func (h *Host) Processor(name string) (sdk.Processor, error) {
	s, err := h.get(name, plugin.KindProcessor)
	if err != nil {
		return nil, err
	}
	return processor{s}, nil
}

// Store returns the store served by the named plugin.
func (h *Host) Store(name string) (sdk.Store, error) {
	s, err := h.get(name, plugin.KindStore)
	if err != nil {
		return nil, err
	}
	return store{s}, nil
}

// Response returns the response generator served by the named plugin.
func (h *Host) Response(name string) (sdk.ResponseGenerator, error) {
	s, err := h.get(name, plugin.KindResponse)
	if err != nil {
		return nil, err
	}
	return response{s}, nil
}

// supervisor keeps one plugin running.
type supervisor struct {
	cfg config.Plugin
	log hclog.Logger

	mu       sync.Mutex
	inst     *plugin.Instance
	failures int
	retryAt  time.Time
	stopped  bool
}

// start launches and configures a new instance.
func (s *supervisor) start(ctx context.Context) error {
	timeout := s.cfg.StartTimeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, err := plugin.Launch(ctx, plugin.LaunchConfig{
		Name:         s.cfg.Name,
		Path:         s.cfg.Path,
		Args:         s.cfg.Args,
		SHA256:       s.cfg.SHA256,
		DevMode:      s.cfg.DevMode,
		DisableMTLS:  s.cfg.DisableMTLS,
		Logger:       s.log,
		Env:          s.cfg.Env,
		StartTimeout: timeout,
	})
	if err != nil {
		s.failed()
		return err
	}
	if err := in.Configure(ctx, s.cfg.Config); err != nil {
		in.Kill()
		s.failed()
		return err
	}
	s.inst, s.failures, s.retryAt = in, 0, time.Time{}
	return nil
}

func (s *supervisor) failed() {
	s.failures++
	backoff := minBackoff << min(s.failures-1, 16)
	if backoff > maxBackoff {
		backoff = maxBackoff
	}
	s.retryAt = time.Now().Add(backoff)
}

func (s *supervisor) current() *plugin.Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inst
}

// instance returns a running instance, restarting the plugin if it exited
// and its backoff has passed. While it is down it answers ErrUnavailable.
func (s *supervisor) instance(ctx context.Context) (*plugin.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, fmt.Errorf("plugin %q is stopped: %w", s.cfg.Name, sdk.ErrUnavailable)
	}
	if s.inst != nil && !s.inst.Exited() {
		return s.inst, nil
	}
	if s.inst != nil {
		s.log.Warn("plugin exited; restarting", "plugin", s.cfg.Name)
		s.inst.Kill()
		s.inst = nil
		if s.failures == 0 {
			s.retryAt = time.Time{} // first restart after a crash is immediate
		}
	}
	if time.Now().Before(s.retryAt) {
		return nil, fmt.Errorf("plugin %q is down, next restart in %s: %w",
			s.cfg.Name, time.Until(s.retryAt).Round(time.Millisecond), sdk.ErrUnavailable)
	}
	if err := s.start(context.WithoutCancel(ctx)); err != nil {
		s.log.Error("plugin restart failed", "plugin", s.cfg.Name, "failures", s.failures, "error", err)
		return nil, fmt.Errorf("plugin %q restart failed: %w", s.cfg.Name, errors.Join(err, sdk.ErrUnavailable))
	}
	s.log.Info("plugin restarted", "plugin", s.cfg.Name)
	return s.inst, nil
}

// call runs fn on a running instance within the per-call timeout. A call
// that fails because the plugin died marks it for restart; a deadline is
// answered as unavailable.
func (s *supervisor) call(ctx context.Context, fn func(context.Context, *plugin.Instance) error) error {
	in, err := s.instance(ctx)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err = fn(cctx, in)
	if err == nil {
		return nil
	}
	if cctx.Err() != nil && ctx.Err() == nil {
		s.log.Warn("plugin call exceeded its deadline", "plugin", s.cfg.Name, "timeout", s.cfg.Timeout)
		return fmt.Errorf("plugin %q did not answer within %s: %w", s.cfg.Name, s.cfg.Timeout,
			errors.Join(err, sdk.ErrUnavailable))
	}
	if errors.Is(err, sdk.ErrUnavailable) {
		// The connection may have broken because the process is dying.
		// Give it a moment to be seen as exited, so that the next call
		// restarts it instead of failing on the dead connection too. A
		// plugin that is alive and reports its own outage costs its
		// caller this moment, on an answer that is a 503 anyway.
		awaitExit(in, exitGrace)
	}
	return err
}

// exitGrace bounds how long a call that lost its plugin waits for the
// process to be seen as exited; a crashed process is reaped within
// milliseconds.
const exitGrace = 150 * time.Millisecond

func awaitExit(in *plugin.Instance, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for !in.Exited() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *supervisor) health(ctx context.Context) error {
	s.mu.Lock()
	in := s.inst
	s.mu.Unlock()
	if in == nil || in.Exited() {
		// Readiness does not restart: the next call does, after backoff.
		return fmt.Errorf("plugin %q is not running: %w", s.cfg.Name, sdk.ErrUnavailable)
	}
	return in.Health(ctx)
}

func (s *supervisor) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.inst != nil {
		s.inst.Kill()
		s.inst = nil
	}
}

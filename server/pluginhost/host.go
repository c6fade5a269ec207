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

// maxMisses is how many consecutive calls to one instance may miss their
// deadline before the host takes the plugin for hung (deadlocked, or stuck
// in a call that ignores its context), kills it and restarts it. A call the
// plugin answers, successfully or with an error of its own, resets the
// count.
const maxMisses = 3

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
		s := newSupervisor(p, log.Named("plugin"))
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

// Store returns the whole store (clients, initial access tokens and jtis)
// served by the named plugin. It fails when the plugin, if running, does
// not serve all three store kinds.
func (h *Host) Store(name string) (sdk.Store, error) {
	for _, kind := range []string{plugin.KindStore, plugin.KindTokenStore, plugin.KindJTIStore} {
		if _, err := h.get(name, kind); err != nil {
			return nil, err
		}
	}
	s := h.plugins[name]
	return store{clientStore{s}, tokenStore{s}, jtiStore{s}}, nil
}

// ClientStore returns the client store served by the named plugin (kind
// store).
func (h *Host) ClientStore(name string) (sdk.ClientStore, error) {
	s, err := h.get(name, plugin.KindStore)
	if err != nil {
		return nil, err
	}
	return clientStore{s}, nil
}

// TokenStore returns the initial access token store served by the named
// plugin (kind token_store).
func (h *Host) TokenStore(name string) (sdk.TokenStore, error) {
	s, err := h.get(name, plugin.KindTokenStore)
	if err != nil {
		return nil, err
	}
	return tokenStore{s}, nil
}

// JTIStore returns the jti store served by the named plugin (kind
// jti_store).
func (h *Host) JTIStore(name string) (sdk.JTIStore, error) {
	s, err := h.get(name, plugin.KindJTIStore)
	if err != nil {
		return nil, err
	}
	return jtiStore{s}, nil
}

// Response returns the response generator served by the named plugin.
func (h *Host) Response(name string) (sdk.ResponseGenerator, error) {
	s, err := h.get(name, plugin.KindResponse)
	if err != nil {
		return nil, err
	}
	return response{s}, nil
}

// Upstream returns the upstream (the authorization server clients are
// provisioned into) served by the named plugin (kind upstream). Every call
// goes through the supervisor like a store's: the plugin's per-call
// timeout, a restart after a crash or maxMisses missed deadlines, and
// sdk.ErrUnavailable (a 503 with Retry-After) while the plugin is down or
// restarting, so a write is never taken for done or refused when the
// plugin could not answer. Its Health is the plugin's, which includes the
// authorization server's.
func (h *Host) Upstream(name string) (sdk.Upstream, error) {
	s, err := h.get(name, plugin.KindUpstream)
	if err != nil {
		return nil, err
	}
	return upstream{s}, nil
}

// instance is what the supervisor needs of a running plugin;
// *plugin.Instance is one, and tests substitute fakes.
type instance interface {
	Exited() bool
	Kill()
	Health(context.Context) error
	Serves(kind string) bool
	Kinds() []string
	Validator() (sdk.Validator, error)
	Processor() (sdk.Processor, error)
	ClientStore() (sdk.ClientStore, error)
	TokenStore() (sdk.TokenStore, error)
	JTIStore() (sdk.JTIStore, error)
	Response() (sdk.ResponseGenerator, error)
	Upstream() (sdk.Upstream, error)
}

var _ instance = (*plugin.Instance)(nil)

// supervisor keeps one plugin running. A plugin that exited, or that
// missed the deadline of maxMisses consecutive calls, is (killed and)
// restarted once, in the background: every call that needs it meanwhile waits for
// that one start or for its own deadline, whichever comes first, and never
// holds a lock while it waits. A start that fails sets a backoff
// (backoff(failures) after the failure) during which calls answer
// sdk.ErrUnavailable at once; the first call after it starts again.
type supervisor struct {
	cfg config.Plugin
	log hclog.Logger
	// launch starts and configures one instance within the plugin's
	// start_timeout; ctx cancels it when the supervisor stops.
	launch func(ctx context.Context) (instance, error)
	now    func() time.Time

	mu          sync.Mutex
	inst        instance      // nil while down or starting
	starting    chan struct{} // closed when the start in progress ends; nil when none
	cancelStart context.CancelFunc
	failures    int       // consecutive failed starts
	misses      int       // consecutive calls to inst that missed their deadline
	retryAt     time.Time // no start before this
	lastErr     error     // why the last start failed
	stopped     bool
}

func newSupervisor(cfg config.Plugin, log hclog.Logger) *supervisor {
	s := &supervisor{cfg: cfg, log: log, now: time.Now}
	s.launch = s.launchPlugin
	return s
}

// launchPlugin launches and configures a new instance of the plugin.
func (s *supervisor) launchPlugin(ctx context.Context) (instance, error) {
	timeout := s.cfg.StartTimeout
	if timeout <= 0 {
		timeout = plugin.DefaultStartTimeout
	}
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
		return nil, err
	}
	if err := in.Configure(ctx, s.cfg.Config); err != nil {
		in.Kill()
		return nil, err
	}
	return in, nil
}

// start launches the first instance, synchronously (server start).
func (s *supervisor) start(ctx context.Context) error {
	in, err := s.launch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failedLocked(err)
		return err
	}
	s.inst, s.failures, s.retryAt, s.lastErr, s.misses = in, 0, time.Time{}, nil, 0
	return nil
}

// backoff is the wait before the next start after failures consecutive
// failed starts: 0 for none, then minBackoff doubling up to maxBackoff.
func backoff(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	return min(minBackoff<<min(failures-1, 16), maxBackoff)
}

func (s *supervisor) failedLocked(err error) {
	s.failures++
	s.lastErr = err
	s.retryAt = s.now().Add(backoff(s.failures))
}

func (s *supervisor) current() instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inst
}

// restartLocked begins a start in the background, unless one is in
// progress, and returns the channel closed when it ends. The instance it
// replaces, if any, is killed first; why is logged with it. s.mu is held.
func (s *supervisor) restartLocked(why string) <-chan struct{} {
	if s.starting != nil {
		return s.starting
	}
	if s.inst != nil {
		s.log.Warn(why, "plugin", s.cfg.Name)
	}
	old := s.inst
	s.inst, s.misses = nil, 0
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	s.starting, s.cancelStart = done, cancel
	go func() {
		defer cancel()
		if old != nil {
			old.Kill()
		}
		in, err := s.launch(ctx)
		s.mu.Lock()
		stopped := s.stopped
		switch {
		case stopped:
		case err != nil:
			s.failedLocked(err)
			s.log.Error("plugin restart failed", "plugin", s.cfg.Name, "failures", s.failures,
				"next_attempt_in", backoff(s.failures), "error", err)
		default:
			s.inst, s.failures, s.retryAt, s.lastErr, s.misses = in, 0, time.Time{}, nil, 0
			s.log.Info("plugin restarted", "plugin", s.cfg.Name)
		}
		s.starting, s.cancelStart = nil, nil
		close(done)
		s.mu.Unlock()
		if stopped && in != nil {
			in.Kill()
		}
	}()
	return done
}

// instance returns a running instance. When the plugin has exited it
// starts one in the background (unless a start is in progress or the
// backoff has not passed) and waits for it, or for ctx, whichever comes
// first. While the plugin is down it answers sdk.ErrUnavailable.
func (s *supervisor) instance(ctx context.Context) (instance, error) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil, fmt.Errorf("plugin %q is stopped: %w", s.cfg.Name, sdk.ErrUnavailable)
	}
	if s.inst != nil && !s.inst.Exited() {
		in := s.inst
		s.mu.Unlock()
		return in, nil
	}
	var done <-chan struct{} = s.starting
	if done == nil {
		if s.inst != nil && s.failures == 0 {
			s.retryAt = time.Time{} // the first restart after a crash is immediate
		}
		if now := s.now(); now.Before(s.retryAt) {
			wait := s.retryAt.Sub(now)
			s.mu.Unlock()
			return nil, fmt.Errorf("plugin %q is down, next restart in %s: %w",
				s.cfg.Name, wait.Round(time.Millisecond), sdk.ErrUnavailable)
		}
		done = s.restartLocked("plugin exited; restarting")
	}
	s.mu.Unlock()

	select {
	case <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("plugin %q is starting and was not ready in time: %w",
			s.cfg.Name, errors.Join(ctx.Err(), sdk.ErrUnavailable))
	}
	s.mu.Lock()
	in, err := s.inst, s.lastErr
	s.mu.Unlock()
	if in == nil {
		if err == nil {
			err = errors.New("stopped")
		}
		return nil, fmt.Errorf("plugin %q restart failed: %w", s.cfg.Name, errors.Join(err, sdk.ErrUnavailable))
	}
	return in, nil
}

// exited begins restarting the plugin as soon as a call sees that in
// exited, so that the next call finds it ready or nearly so.
func (s *supervisor) exited(in instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.inst != in || s.starting != nil {
		return
	}
	if s.failures == 0 || !s.now().Before(s.retryAt) {
		s.restartLocked("plugin exited; restarting")
	}
}

// answered records that in answered a call before its deadline: it is not
// hung, whatever its answer.
func (s *supervisor) answered(in instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == in {
		s.misses = 0
	}
}

// missed records that a call to in missed its deadline. At maxMisses in a
// row the plugin is taken for hung: a deadlocked plugin never exits, so
// without this it would answer 503 until the server restarts. It is
// killed, and restarted in the background as after a crash; calls
// meanwhile wait for that start.
func (s *supervisor) missed(in instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.inst != in || s.starting != nil {
		return
	}
	s.misses++
	if s.misses < maxMisses {
		return
	}
	s.log.Error("plugin missed the deadline of consecutive calls; killing it",
		"plugin", s.cfg.Name, "calls", s.misses, "timeout", s.cfg.Timeout)
	s.restartLocked("plugin is hung; restarting")
}

// call runs fn on a running instance. The plugin's per-call timeout bounds
// the whole call: the wait for an instance that is (re)starting and fn.
// A deadline is answered as sdk.ErrUnavailable, and maxMisses of them in a
// row restart the plugin (missed); a call that fails because the plugin
// died starts its restart.
func (s *supervisor) call(ctx context.Context, fn func(context.Context, instance) error) error {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	in, err := s.instance(cctx)
	if err != nil {
		return err
	}
	err = fn(cctx, in)
	if err == nil {
		s.answered(in)
		return nil
	}
	if ownDeadlinePassed(ctx, cctx) {
		s.log.Warn("plugin call exceeded its deadline", "plugin", s.cfg.Name, "timeout", s.cfg.Timeout)
		s.missed(in)
		return fmt.Errorf("plugin %q did not answer within %s: %w", s.cfg.Name, s.cfg.Timeout,
			errors.Join(err, sdk.ErrUnavailable))
	}
	if !errors.Is(err, sdk.ErrUnavailable) {
		if cctx.Err() == nil {
			s.answered(in) // an answer of the plugin's own, such as a rejection
		}
	} else {
		// The connection may have broken because the process is dying.
		// Give it a moment to be seen as exited, then restart it at once,
		// so that the next call finds it running instead of failing on
		// the dead connection too. A plugin that is alive and reports its
		// own outage costs its caller this moment, on an answer that is a
		// 503 anyway.
		awaitExit(in, exitGrace)
		if in.Exited() {
			s.exited(in)
		}
	}
	return err
}

// ownDeadlinePassed reports whether the call cctx bounds ran past the
// supervisor's per-call timeout, not past a deadline of its caller's ctx.
// The clock decides, not cctx.Err() alone: gRPC's transport may fail the
// call with its own DeadlineExceeded a moment before cctx's timer fires.
func ownDeadlinePassed(ctx, cctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	own, _ := cctx.Deadline()
	if caller, ok := ctx.Deadline(); ok && !caller.After(own) {
		return false // the caller's deadline, not the plugin's timeout
	}
	return cctx.Err() != nil || !time.Now().Before(own)
}

// exitGrace bounds how long a call that lost its plugin waits for the
// process to be seen as exited; a crashed process is reaped within
// milliseconds.
const exitGrace = 150 * time.Millisecond

func awaitExit(in instance, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for !in.Exited() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// health reports whether the plugin can serve. It does not restart a
// plugin that exited: the next call does. Nor does a health check that
// times out count toward maxMisses: a plugin's health may wait on its own
// dependency (a database), which killing the plugin does not mend.
func (s *supervisor) health(ctx context.Context) error {
	s.mu.Lock()
	in, starting := s.inst, s.starting != nil
	s.mu.Unlock()
	if starting {
		return fmt.Errorf("plugin %q is restarting: %w", s.cfg.Name, sdk.ErrUnavailable)
	}
	if in == nil || in.Exited() {
		return fmt.Errorf("plugin %q is not running: %w", s.cfg.Name, sdk.ErrUnavailable)
	}
	return in.Health(ctx)
}

// stop kills the running instance and cancels a start in progress; it
// does not wait for the start to end (its instance is killed when it does).
func (s *supervisor) stop() {
	s.mu.Lock()
	s.stopped = true
	in := s.inst
	s.inst = nil
	if s.cancelStart != nil {
		s.cancelStart()
	}
	s.mu.Unlock()
	if in != nil {
		in.Kill()
	}
}

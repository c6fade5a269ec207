package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/certs"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/fetch"
	"github.com/registrar-dcr/registrar/server/httpapi"
	"github.com/registrar-dcr/registrar/server/pipeline"
	"github.com/registrar-dcr/registrar/server/pluginhost"
)

// App is a configured Registrar server.
type App struct {
	cfg      *config.Config
	log      hclog.Logger
	store    sdk.Store
	upstream sdk.Upstream // nil: no upstream block
	closers  []io.Closer
	plugins  *pluginhost.Host
	pipeline *pipeline.Pipeline
	handler  http.Handler
	certs    *certs.Reloader // nil: plain http
}

// NewLogger returns the logger the configuration asks for, writing to w.
func NewLogger(cfg config.Log, w io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "registrar",
		Level:      hclog.LevelFromString(cfg.Level),
		JSONFormat: cfg.Format == "json",
		Output:     w,
	})
}

// New builds the server of cfg: it starts the plugins, opens the store and
// assembles the pipeline. Close releases what it opened. An error from a
// plugin that rejected its configuration is an hcl.Diagnostics pointing at
// the attribute (print it with config.FormatDiagnostics).
func New(ctx context.Context, cfg *config.Config, log hclog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	if err := a.build(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	cfg := a.cfg
	if t := cfg.Server.TLS; t != nil {
		r, err := certs.New(t.CertFile, t.KeyFile, a.log.Named("tls"))
		if err != nil {
			return err
		}
		a.certs = r
	}
	host, err := pluginhost.Start(ctx, cfg.Plugins, a.log)
	if err != nil {
		return err
	}
	a.plugins = host
	a.closers = append(a.closers, host)
	if err := a.openStore(ctx); err != nil {
		return err
	}
	if cfg.Upstream != nil {
		if a.upstream, err = openUpstream(*cfg.Upstream, host); err != nil {
			return err
		}
	}
	// The secret encryption key reaches the built-in processor only inside
	// its sealer, built here from the configuration: never a global.
	builtin := sdk.DefaultProcessor{}
	var sealer *sdk.AESSealer
	if cfg.SecretKey != nil {
		if sealer, err = sdk.NewAESSealer(cfg.SecretKey); err != nil {
			return err
		}
		builtin.Sealer = sealer
	}
	var proc sdk.Processor = builtin
	if cfg.Processor != "" {
		if proc, err = host.Processor(cfg.Processor); err != nil {
			return err
		}
	}
	var resp sdk.ResponseGenerator = sdk.DefaultResponseGenerator{}
	if cfg.Response != "" {
		if resp, err = host.Response(cfg.Response); err != nil {
			return err
		}
	}
	fetcher := newFetcher(cfg.Fetch)
	profiles, authn, err := buildProfiles(cfg, host, a.store, fetcher)
	if err != nil {
		return err
	}
	a.pipeline = &pipeline.Pipeline{
		Auth:      authn,
		Profiles:  profiles,
		Processor: proc,
		Store:     a.store,
		Upstream:  a.upstream,
		Sealer:    pipelineSealer(cfg, builtin),
		Response:  resp,
		BaseURL:   cfg.Server.PublicBaseURL,
		Parse: sdk.ParseOptions{
			MaxStringLength: cfg.Server.MaxStringLength,
			MaxArrayLength:  cfg.Server.MaxArrayLength,
			MaxDepth:        cfg.Server.MaxDepth,
			MaxUnknownBytes: cfg.Server.MaxUnknownBytes,
		},
		Fetch:  fetcher,
		Logger: a.log.Named("pipeline"),
	}
	ready := map[string]httpapi.Checker{"store": a.store.Health}
	if a.upstream != nil {
		// Named apart from its plugin's check: a down authorization server
		// fails every write, which the operator must see as such.
		ready["upstream"] = a.upstream.Health
	}
	for name, check := range host.Checks() {
		ready[name] = check
	}
	var origins []string
	for _, p := range cfg.Profiles {
		for _, o := range p.CORSOrigins {
			if !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	var limit *httpapi.RateLimit
	if rl := cfg.RateLimit; rl.Enabled {
		limit = &httpapi.RateLimit{Rate: rl.Rate, Burst: rl.Burst, MaxTracked: rl.MaxTracked}
	}
	a.handler = httpapi.NewHandler(a.pipeline, httpapi.Options{
		MaxBodyBytes:   cfg.Server.MaxBodyBytes,
		Ready:          ready,
		Logger:         a.log.Named("http"),
		CORSOrigins:    origins,
		RateLimit:      limit,
		TrustedProxies: cfg.Server.TrustedProxies,
	})
	if cfg.Processor != "" {
		sealer = nil // a processor plugin seals with a key of its own
	}
	return a.startReconciler(sealer)
}

func (a *App) openStore(ctx context.Context) error {
	s, closers, err := openStore(ctx, a.cfg.Store, a.plugins)
	a.closers = append(a.closers, closers...)
	if err != nil {
		return err
	}
	a.store = s
	return nil
}

// buildProfiles turns the configured profiles into pipeline profiles, with
// their validator chains, software statement verifiers and limits, and the
// authenticator of the registration endpoint.
func buildProfiles(cfg *config.Config, host *pluginhost.Host, store sdk.Store, f *fetch.Fetcher) (map[string]*pipeline.Profile, *auth.Authenticator, error) {
	profiles := make(map[string]*pipeline.Profile, len(cfg.Profiles))
	opts := auth.Options{Store: store}
	for _, p := range cfg.Profiles {
		policy := p.Policy
		policy.ClientSecretLifetime = int64(p.SecretLifetime.Seconds())
		policy.TokenRotation = string(p.Rotation)
		chain := make([]sdk.Validator, 0, len(p.Validators))
		for _, name := range p.Validators {
			if name == config.BuiltinValidator {
				chain = append(chain, sdk.StepsValidator{Steps: sdk.DefaultSteps{}})
				continue
			}
			v, err := host.Validator(name)
			if err != nil {
				return nil, nil, fmt.Errorf("profile %q: %w", p.Name, err)
			}
			chain = append(chain, v)
		}
		prof := &pipeline.Profile{Name: p.Name, Policy: policy, Validators: chain,
			Origins: p.CORSOrigins, MaxClients: p.MaxClients}
		if ss := p.SoftwareStatement; ss != nil {
			v, err := statementVerifier(ss, store, f)
			if err != nil {
				return nil, nil, fmt.Errorf("profile %q: software_statement: %w", p.Name, err)
			}
			prof.Statements = &pipeline.Statements{Verifier: v, Required: ss.Required, Strict: ss.Strict}
		}
		profiles[p.Name] = prof
		if p.Anonymous {
			opts.Anonymous = p.Name
		}
		if p.IssuedTokens {
			opts.IssuedTokenProfiles = append(opts.IssuedTokenProfiles, p.Name)
		}
		for _, t := range p.InitialAccessTokens {
			opts.Static = append(opts.Static, auth.StaticToken{Name: t.Name, Profile: p.Name, Token: t.Token})
		}
		if b := p.BearerJWT; b != nil {
			v, err := bearerVerifier(b, f)
			if err != nil {
				return nil, nil, fmt.Errorf("profile %q: bearer_jwt: %w", p.Name, err)
			}
			opts.JWT = append(opts.JWT, auth.JWTProfile{Profile: p.Name, Verifier: v})
		}
	}
	return profiles, auth.New(opts), nil
}

// Handler is the HTTP handler of the server.
func (a *App) Handler() http.Handler { return a.handler }

// Store is the store the server uses.
func (a *App) Store() sdk.Store { return a.store }

// Upstream is the authorization server the server provisions clients
// into, or nil when the configuration has no upstream block.
func (a *App) Upstream() sdk.Upstream { return a.upstream }

// Serve answers HTTP on ln until ctx is done, then shuts down gracefully
// within the configured shutdown timeout: it stops accepting, lets requests
// in flight finish, and returns.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadTimeout:       a.cfg.Server.ReadTimeout,
		ReadHeaderTimeout: a.cfg.Server.ReadTimeout,
		WriteTimeout:      a.cfg.Server.WriteTimeout,
		IdleTimeout:       a.cfg.Server.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          a.log.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	errc := make(chan error, 1)
	if a.certs != nil {
		// HTTP/2 and HTTP/1.1 over TLS; every new handshake gets the
		// certificate last loaded, which Watch keeps current.
		srv.TLSConfig = &tls.Config{MinVersion: a.cfg.Server.TLS.MinVersion, GetCertificate: a.certs.GetCertificate}
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		go a.certs.Watch(wctx, certs.DefaultInterval)
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	a.log.Info("listening", "address", ln.Addr().String(), "public_base_url", a.cfg.Server.PublicBaseURL,
		"store", a.cfg.Store.Kind)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "timeout", a.cfg.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.Server.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// ReloadTLS loads the TLS certificate and key files again (on SIGHUP):
// new connections get the new certificate, open ones keep theirs. On error
// the previous certificate stays. Without TLS it does nothing.
func (a *App) ReloadTLS() error {
	if a.certs == nil {
		return nil
	}
	return a.certs.Reload()
}

// Close releases the store and anything else the server opened, once the
// token revocations still running in the background have ended (each within
// its retry budget, a few seconds).
func (a *App) Close() error {
	if a.pipeline != nil {
		a.pipeline.Wait()
	}
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i].Close())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// pipelineSealer is the sealer the pipeline seals a client_secret_jwt
// secret again with when the upstream assigns another client_id or secret:
// the built-in processor's, which sealed it. A processor plugin seals with
// a key of its own that the server does not hold: nil, and such a client
// is refused.
func pipelineSealer(cfg *config.Config, builtin sdk.DefaultProcessor) sdk.Sealer {
	if cfg.Processor != "" || builtin.Sealer == nil {
		return nil
	}
	return builtin.Sealer
}

package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// ServeConfig says what a plugin serves. Set at least one of Validator,
// Steps, Processor, Store, Response and Upstream.
type ServeConfig struct {
	// Validator serves the validator kind. Set Validator or Steps, not
	// both.
	Validator sdk.Validator
	// Steps serves the validator kind too: Validate runs every step with
	// sdk.Run (through sdk.StepsValidator). Usually a struct that embeds
	// sdk.DefaultSteps and redefines a step.
	Steps sdk.Steps
	// Processor serves the processor kind.
	Processor sdk.Processor
	// Store serves the store kind (clients). When it also implements
	// sdk.TokenStore and sdk.JTIStore (as a whole sdk.Store does), the
	// plugin serves initial access tokens and jtis too; a store that
	// implements sdk.ClientStore alone leaves them to another store of the
	// server (the token_store and jti_store kinds are then not served, and
	// their services answer UNIMPLEMENTED). Its Health is part of the
	// plugin's health.
	Store sdk.ClientStore
	// Response serves the response kind.
	Response sdk.ResponseGenerator
	// Upstream serves the upstream kind: it provisions every registered
	// client into the authorization server. It is the one kind that
	// receives a plaintext credential besides the processor and the
	// response generator (sdk.Provision.ClientSecret); never log it. Its
	// Health is part of the plugin's health.
	Upstream sdk.Upstream

	// Configure receives the plugin's config block from the server's
	// configuration file as a JSON object ({} when the block is absent),
	// once after every start and before any other call. Return a
	// *ConfigError to reject an attribute. When Configure is nil the plugin
	// accepts only an empty configuration. The WithConfig option is the
	// typed alternative, and also keeps calls out until it has succeeded.
	Configure func(ctx context.Context, config []byte) error
	// Health reports whether the plugin can serve requests; nil means
	// healthy. The Health of a Store and of an Upstream is checked as well.
	Health func(ctx context.Context) error
	// Logger is the plugin's logger. The default writes JSON to stderr,
	// which the server shows under the plugin's name; a custom logger must
	// do the same (hclog with JSONFormat: true and Output: os.Stderr).
	Logger hclog.Logger
}

// Serve serves the plugin until the server closes it. It is meant to be the
// last call of a plugin's main. It exits the process with status 1 when cfg
// serves nothing, when opts contradict cfg, or when the binary is run by
// hand instead of by Registrar.
func Serve(cfg *ServeConfig, opts ...ServeOption) {
	cfg, gate, err := applyOptions(cfg, opts)
	var set goplugin.PluginSet
	if err == nil {
		set, err = cfg.pluginSet()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "registrar plugin: %v\n", err)
		os.Exit(1)
	}
	tuneProcess(collectOptions(opts), os.Getenv)
	logger := cfg.Logger
	if logger == nil {
		logger = DefaultLogger()
	}
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig:  Handshake(),
		VersionedPlugins: map[int]goplugin.PluginSet{ProtocolVersion: set},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.ChainUnaryInterceptor(recoverPanics(logger)))
			if gate != nil {
				opts = append(opts, grpc.ChainUnaryInterceptor(gate.unary))
			}
			return goplugin.DefaultGRPCServer(opts)
		},
		Logger: logger,
	})
}

// WithGCPercent sets the garbage collector's target percentage
// (runtime/debug.SetGCPercent) when Serve starts, unless the GOGC
// environment variable is set: the operator's setting wins. percent must be
// positive. Without this option Serve leaves the process's garbage collector
// as the Go runtime set it; Serve changes no process-wide setting that a
// plugin did not ask for.
//
// A larger target trades memory for CPU. It suits a plugin whose live heap
// is small and whose calls allocate: the first-party company-policy and
// mongodb plugins pass WithGCPercent(400), collecting at 5x instead of 2x
// of the live heap, as the server does.
func WithGCPercent(percent int) ServeOption {
	return func(o *serveOptions) {
		if percent <= 0 {
			o.err = fmt.Errorf("WithGCPercent: percent must be positive, not %d", percent)
			return
		}
		o.gcPercent = percent
	}
}

// tuneProcess applies the process-wide settings the options ask for, and
// nothing else.
func tuneProcess(o serveOptions, getenv func(string) string) {
	if o.gcPercent > 0 && getenv("GOGC") == "" {
		debug.SetGCPercent(o.gcPercent)
	}
}

// DefaultLogger returns the logger Serve uses when ServeConfig.Logger is nil:
// every level, as JSON, to the process's stderr. The server parses the lines
// and logs them under the plugin's name at their own level.
func DefaultLogger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Level:      hclog.Trace,
		Output:     os.Stderr,
		JSONFormat: true,
	})
}

// pluginSet checks cfg and returns the go-plugin set of what it serves.
func (cfg *ServeConfig) pluginSet() (goplugin.PluginSet, error) {
	if cfg == nil {
		return nil, errors.New("Serve: nil ServeConfig")
	}
	if cfg.Validator != nil && cfg.Steps != nil {
		return nil, errors.New("Serve: set ServeConfig.Validator or ServeConfig.Steps, not both")
	}
	validator := cfg.Validator
	if cfg.Steps != nil {
		validator = sdk.StepsValidator{Steps: cfg.Steps}
	}
	ctl := &controlServer{cfg: cfg}
	set := goplugin.PluginSet{}
	if validator != nil {
		v := &validatorServer{impl: validator}
		set[KindValidator] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterValidatorServer(s, v) }}
		ctl.kinds = append(ctl.kinds, KindValidator)
	}
	if cfg.Processor != nil {
		p := &processorServer{impl: cfg.Processor}
		set[KindProcessor] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterProcessorServer(s, p) }}
		ctl.kinds = append(ctl.kinds, KindProcessor)
	}
	if cfg.Store != nil {
		st := &storeServer{impl: cfg.Store}
		set[KindStore] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterStoreServer(s, st) }}
		ctl.kinds = append(ctl.kinds, KindStore)
		if ts, ok := cfg.Store.(sdk.TokenStore); ok {
			tst := &tokenStoreServer{impl: ts}
			set[KindTokenStore] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterTokenStoreServer(s, tst) }}
			ctl.kinds = append(ctl.kinds, KindTokenStore)
		}
		if js, ok := cfg.Store.(sdk.JTIStore); ok {
			jst := &jtiStoreServer{impl: js}
			set[KindJTIStore] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterJTIStoreServer(s, jst) }}
			ctl.kinds = append(ctl.kinds, KindJTIStore)
		}
	}
	if cfg.Response != nil {
		r := &responseServer{impl: cfg.Response}
		set[KindResponse] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterResponseGeneratorServer(s, r) }}
		ctl.kinds = append(ctl.kinds, KindResponse)
	}
	if cfg.Upstream != nil {
		u := &upstreamServer{impl: cfg.Upstream}
		set[KindUpstream] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterUpstreamServer(s, u) }}
		ctl.kinds = append(ctl.kinds, KindUpstream)
	}
	if len(ctl.kinds) == 0 {
		return nil, errors.New("Serve: the ServeConfig serves nothing: set Validator, Steps, Processor, Store, Response or Upstream")
	}
	set[controlKey] = &kindPlugin{register: func(s *grpc.Server) { pb.RegisterPluginServer(s, ctl) }}
	return set, nil
}

// recoverPanics turns a panic in a handler into an INTERNAL status, so that a
// bug in one call does not take the plugin (and every call in flight) down.
func recoverPanics(logger hclog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("panic in plugin call", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, status.Errorf(codes.Internal, "plugin panicked in %s: %v", info.FullMethod, r)
			}
		}()
		return handler(ctx, req)
	}
}

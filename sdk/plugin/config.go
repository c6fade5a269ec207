package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// A ServeOption changes how Serve serves a plugin.
type ServeOption func(*serveOptions)

type serveOptions struct {
	configure func(ctx context.Context, raw []byte) error
	gcPercent int // 0: leave the garbage collector as the runtime set it
	err       error
}

// collectOptions applies opts, skipping nil ones.
func collectOptions(opts []ServeOption) serveOptions {
	var o serveOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithConfig hands the plugin its configuration as a T, decoded and checked
// by sdk.DecodeConfig: json tags name the attributes, and an unknown
// attribute or a value of the wrong type is refused with an
// *sdk.ConfigError naming it, which the server reports at its line in the
// HCL file. configure then checks what the types cannot (required
// attributes, ranges, defaults) and keeps the configuration; it returns an
// *sdk.ConfigError naming the attribute it refuses, or another error when
// it cannot apply a valid configuration (sdk.ErrUnavailable for a backend
// that is down).
//
// Serve guarantees what a plugin would otherwise code in every method:
//
//   - no call reaches the plugin's Validator, Steps, Processor, Store,
//     Response or Health before configure has succeeded once; such a call
//     fails with sdk.ErrUnavailable ("not configured"), which the server
//     answers with 503;
//   - configure runs alone: it waits for the calls in flight, and no call
//     starts until it returns. So it may assign plain fields of the
//     implementation, which the calls after it read without atomics or
//     locks;
//   - when configure fails after a success (a reconfiguration), the calls
//     go on with what the previous configure kept: configure should assign
//     only once the whole configuration is valid.
//
// WithConfig replaces ServeConfig.Configure; setting both is an error, as
// is a nil configure.
func WithConfig[T any](configure func(ctx context.Context, cfg T) error) ServeOption {
	return func(o *serveOptions) {
		if configure == nil {
			o.err = errors.New("WithConfig: nil configure function")
			return
		}
		o.configure = func(ctx context.Context, raw []byte) error {
			cfg, err := sdk.DecodeConfig[T](raw)
			if err != nil {
				return err
			}
			return configure(ctx, cfg)
		}
	}
}

// applyOptions returns the ServeConfig to serve and, when the options ask
// for one, the gate that holds calls until the plugin is configured. cfg
// itself is not modified.
func applyOptions(cfg *ServeConfig, opts []ServeOption) (*ServeConfig, *configGate, error) {
	o := collectOptions(opts)
	if o.err != nil {
		return nil, nil, fmt.Errorf("Serve: %w", o.err)
	}
	if o.configure == nil || cfg == nil {
		return cfg, nil, nil
	}
	if cfg.Configure != nil {
		return nil, nil, errors.New("Serve: set ServeConfig.Configure or the WithConfig option, not both")
	}
	g := &configGate{}
	c := *cfg
	c.Configure = g.configure(o.configure)
	return &c, g, nil
}

// errNotConfigured is the answer to a call that comes before the plugin's
// first successful configuration.
var errNotConfigured = fmt.Errorf("%w: the plugin has not been configured yet", sdk.ErrUnavailable)

// configGate orders a plugin's configuration before its calls: a call holds
// the read lock, a configuration the write lock.
type configGate struct {
	mu         sync.RWMutex
	configured bool
}

// configure wraps f so that it runs alone and, once it has succeeded,
// opens the gate.
func (g *configGate) configure(f func(context.Context, []byte) error) func(context.Context, []byte) error {
	return func(ctx context.Context, raw []byte) error {
		g.mu.Lock()
		defer g.mu.Unlock()
		if err := f(ctx, raw); err != nil {
			return err
		}
		g.configured = true
		return nil
	}
}

// ungated are the methods that work before the configuration: the
// configuration itself and the description of what the plugin serves.
// go-plugin's own services (health, broker, controller) are outside the
// protocol's package and are never gated.
var ungated = []string{pb.Plugin_Configure_FullMethodName, pb.Plugin_Describe_FullMethodName}

// protocolPrefix is "/registrar.plugin.v1.", the prefix of every method of
// the protocol, so that a service added to it is gated without a change
// here.
var protocolPrefix = "/" + strings.TrimSuffix(pb.Plugin_ServiceDesc.ServiceName, "Plugin")

// unary is the gRPC interceptor of the gate.
func (g *configGate) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, protocolPrefix) || slices.Contains(ungated, info.FullMethod) {
		return handler(ctx, req)
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if !g.configured {
		return nil, convert.ToStatus(errNotConfigured)
	}
	return handler(ctx, req)
}

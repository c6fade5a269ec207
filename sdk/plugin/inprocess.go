package plugin

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// ServeInProcess serves cfg, as Serve would, on a gRPC server in this
// process listening on a loopback port, and returns an Instance connected
// to it: every call crosses the real wire (protobuf encoding, the
// converters, errors as gRPC statuses, the configuration gate of
// WithConfig), but there is no subprocess, handshake, checksum or TLS. It
// is meant for tests (plugintest.Serve wraps it) that want to prove an
// implementation behaves the same in a plugin without building a binary.
//
// The plugin is not configured: call Instance.Configure when cfg takes a
// configuration. Instance.Kill stops the server; Exited then reports true
// and calls fail with an error matching sdk.ErrUnavailable, as after a
// crash.
func ServeInProcess(ctx context.Context, cfg *ServeConfig, opts ...ServeOption) (*Instance, error) {
	cfg, gate, err := applyOptions(cfg, opts)
	if err != nil {
		return nil, err
	}
	set, err := cfg.pluginSet()
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	interceptors := []grpc.UnaryServerInterceptor{recoverPanics(logger)}
	if gate != nil {
		interceptors = append(interceptors, gate.unary)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(interceptors...))
	for _, p := range set {
		p.(*kindPlugin).register(srv)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("in-process plugin: listen: %w", err)
	}
	go func() { _ = srv.Serve(ln) }()
	conn, err := grpc.NewClient("passthrough:///"+ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("in-process plugin: dial: %w", err)
	}
	proc := &inProcess{srv: srv, conn: conn}
	in := &Instance{name: "in-process", proc: proc}
	if err := in.describe(ctx, connDispenser{conn}); err != nil {
		proc.Kill()
		return nil, fmt.Errorf("in-process plugin: %w", err)
	}
	return in, nil
}

// inProcess is the process of a plugin served by ServeInProcess.
type inProcess struct {
	srv    *grpc.Server
	conn   *grpc.ClientConn
	once   sync.Once
	killed atomic.Bool
}

func (p *inProcess) Exited() bool { return p.killed.Load() }

func (p *inProcess) Kill() {
	p.once.Do(func() {
		p.killed.Store(true)
		_ = p.conn.Close()
		p.srv.Stop()
	})
}

// connDispenser dispenses the host side of a kind over one connection.
type connDispenser struct{ conn *grpc.ClientConn }

func (d connDispenser) Dispense(kind string) (any, error) {
	p, ok := hostPluginSet()[kind].(*kindPlugin)
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	return p.client(d.conn), nil
}

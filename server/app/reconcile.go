package app

import (
	"context"
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/reconcile"
)

// startReconciler starts the periodic reconciler when the upstream block
// sets reconcile_interval (reconcile.Run: a round at once, then one every
// interval, with reconcile_grace and reconcile.DefaultMaxDeletes). sealer,
// when not nil, opens the sealed secrets of client_secret_jwt clients, so
// that such a client without upstream client is provisioned again with its
// secret. Close stops the reconciler, waiting for its action in progress,
// before the store and the plugins close. A store that cannot list its
// clients (a store plugin) is an error: the server would otherwise run
// without the reconciliation the configuration asks for.
func (a *App) startReconciler(sealer *sdk.AESSealer) error {
	u := a.cfg.Upstream
	if a.upstream == nil || u == nil || u.ReconcileInterval <= 0 {
		return nil
	}
	if err := reconcile.CheckStore(a.store); err != nil {
		return fmt.Errorf("upstream: reconcile_interval is set, but %w; set reconcile_interval = \"0s\" and run registrar reconcile elsewhere, or use the sqlite store", err)
	}
	opt := reconcile.Options{Grace: u.ReconcileGrace, MaxDeletes: reconcile.DefaultMaxDeletes, KeepLocal: true}
	if sealer != nil {
		opt.Opener = sealer
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	log := a.log.Named("reconcile")
	go func() {
		defer close(done)
		if err := reconcile.Run(ctx, u.ReconcileInterval, a.upstream, a.store, opt, log); err != nil {
			log.Error("the periodic reconciler did not start", "error", err)
		}
	}()
	a.closers = append(a.closers, stopFunc(func() error {
		cancel()
		<-done
		return nil
	}))
	log.Info("periodic reconciliation with the upstream", "interval", u.ReconcileInterval, "grace", u.ReconcileGrace)
	return nil
}

// stopFunc is a function as an io.Closer.
type stopFunc func() error

func (f stopFunc) Close() error { return f() }

package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
)

// Counts sums the results of one Apply.
type Counts struct {
	Done, Skipped, Failed, Waiting, Review int
}

// Count sums results by outcome; Left results count as Waiting or Review
// by their action's kind.
func Count(results []Result) Counts {
	var n Counts
	for _, r := range results {
		switch {
		case r.Status == Done:
			n.Done++
		case r.Status == Skipped:
			n.Skipped++
		case r.Status == Failed:
			n.Failed++
		case r.Action.Kind == Wait:
			n.Waiting++
		default:
			n.Review++
		}
	}
	return n
}

// Once plans and applies one reconciliation at now, logging each result
// that changed or should have changed something: done and skipped at
// info, failed at error, Review at warn, Wait at debug; nothing is logged
// as an error once ctx is done (the server is stopping). It returns the
// results, or the error of Plan (logged too).
func Once(ctx context.Context, up sdk.Upstream, store sdk.ClientStore, now time.Time, opt Options, log hclog.Logger) ([]Result, error) {
	actions, err := Plan(ctx, up, store, now, opt)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("reconcile: cannot compare the store with the upstream", "error", err)
		}
		return nil, err
	}
	results := Apply(ctx, up, store, actions, opt)
	for _, r := range results {
		args := []any{"client_id", r.Action.ClientID, "action", string(r.Action.Kind)}
		switch {
		case r.Status == Done:
			log.Info("reconcile: "+r.Action.phrase(true), append(args, "reason", r.Action.Reason)...)
		case r.Status == Skipped:
			log.Info("reconcile: skipped "+r.Action.phrase(false), append(args, "reason", r.Detail)...)
		case r.Status == Failed && ctx.Err() != nil && errors.Is(r.Err, ctx.Err()):
			log.Debug("reconcile: stopped before "+r.Action.phrase(false), args...)
		case r.Status == Failed:
			log.Error("reconcile: failed to "+r.Action.phrase(false), append(args, "reason", r.Action.Reason, "error", r.Err)...)
		case r.Action.Kind == Wait:
			log.Debug("reconcile: waiting", append(args, "reason", r.Action.Reason)...)
		default:
			log.Warn("reconcile: needs the operator's review", append(args, "reason", r.Action.Reason)...)
		}
	}
	if n := Count(results); n.Done+n.Skipped+n.Failed+n.Review > 0 {
		log.Info("reconcile: done", "applied", n.Done, "skipped", n.Skipped, "failed", n.Failed, "waiting", n.Waiting, "review", n.Review)
	}
	return results, nil
}

// Run reconciles store with up at once, then again interval after the
// end of each round, until ctx is done (the periodic reconciler of
// `registrar serve`, upstream { reconcile_interval }). A round that fails
// is logged and the next one tried as usual; one round never overlaps the
// next. It returns ErrCannotList at once for a store that cannot list, an
// error for an interval that is not positive, and nil once ctx is done.
func Run(ctx context.Context, interval time.Duration, up sdk.Upstream, store sdk.ClientStore, opt Options, log hclog.Logger) error {
	if err := CheckStore(store); err != nil {
		return err
	}
	if interval <= 0 {
		return errors.New("reconcile: the interval must be positive")
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		Once(ctx, up, store, time.Now(), opt, log)
		t.Reset(interval)
	}
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/reconcile"
)

const reconcileUsage = `Usage: registrar reconcile [-config FILE] [-apply] [-grace D] [-delete-unknown-age] [-max-deletes N]

Compare the configured store with the clients the configured upstream
(the authorization server) holds for this Registrar, and repair what a
crash between the two writes of a registration left:
  - an upstream client without registration, older than -grace (the
    upstream block's reconcile_grace, 5m by default): deleted
  - a registration without upstream client: created upstream again when
    it has no client secret (or a sealed one the secret encryption key
    opens); deleted otherwise, since Registrar keeps only the hash of its
    secret: the authorization server does not know the client, so it cannot
    sign in, and once deleted it can register again
  - an upstream client at an older revision than its registration: updated
    (it keeps its client secret)
Without -apply nothing changes: each repair is printed after "would"; with
-apply each is carried out and its result printed. Clients left as they
are (waiting for the grace period, or for the operator's review) are
printed after "leave" ("left" with -apply). A summary goes to stderr.

Exit status: 0 in sync (a dry run) or everything applied (-apply); 1 when
the comparison could not be made, or with -apply when a repair failed or
was left for review; 2 for a usage error; 3 when a dry run found something
to repair or review.

Flags:
`

// Exit statuses of registrar reconcile besides 0, 1 and 2.
const exitDivergent = 3

// openUpstream opens the upstream cfg configures, with its plugin, for
// registrar reconcile (a variable for the tests).
var openUpstream = app.OpenUpstream

// reconcileCmd runs registrar reconcile.
func reconcileCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registrar reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, reconcileUsage)
		fs.PrintDefaults()
	}
	path := fs.String("config", "config.hcl", "configuration `file`")
	apply := fs.Bool("apply", false, "carry out the repairs (without it, print them only)")
	grace := fs.Duration("grace", reconcile.DefaultGrace, "how old an upstream client without registration must be to be deleted: a younger one's\nregistration may be in flight; the upstream block's reconcile_grace unless given")
	unknownAge := fs.Bool("delete-unknown-age", false, "delete an upstream client without registration whose creation time the upstream does not\nsay (by default it is left for review)")
	maxDeletes := fs.Int("max-deletes", reconcile.DefaultMaxDeletes, "the most deletions to make; when more are found, none is made and all are printed for\nreview (so many more likely mean a wrong store or upstream than crashes); -1 for no limit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "registrar reconcile: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *grace < 0 {
		fmt.Fprintln(stderr, "registrar reconcile: -grace must not be negative")
		return 2
	}
	cfg, ok := load(*path, stderr)
	if !ok {
		return 1
	}
	if cfg.Store.Kind == config.StoreMemory {
		fmt.Fprintln(stderr, `registrar reconcile: the store is "memory": this command would compare the upstream with an empty store `+
			`of its own and take every upstream client for an orphan; only the server's periodic reconciler can reconcile a memory store`)
		return 1
	}
	log := app.NewLogger(cfg.Log, stderr)
	if log.GetLevel() < hclog.Warn {
		log.SetLevel(hclog.Warn) // keep the output of the command readable
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	if cfg.Upstream != nil && !flagSet(fs, "grace") {
		*grace = cfg.Upstream.ReconcileGrace
	}
	opt := reconcile.Options{Grace: *grace, DeleteUnknownAge: *unknownAge, MaxDeletes: *maxDeletes}
	if cfg.SecretKey != nil {
		sealer, err := sdk.NewAESSealer(cfg.SecretKey)
		if err != nil {
			fmt.Fprintf(stderr, "registrar reconcile: %v\n", err)
			return 1
		}
		opt.Opener = sealer
	}
	store, closeStore, err := app.OpenStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "registrar reconcile: cannot open the store: %s\n", config.FormatDiagnostics(err))
		return 1
	}
	defer closeStore.Close()
	if err := reconcile.CheckStore(store); err != nil {
		fmt.Fprintf(stderr, "registrar reconcile: %v\n", err)
		return 1
	}
	up, closeUp, err := openUpstream(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "registrar reconcile: cannot open the upstream: %s\n", config.FormatDiagnostics(err))
		return 1
	}
	defer closeUp.Close()
	return runReconcile(ctx, stdout, stderr, up, store, time.Now(), opt, *apply)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// runReconcile plans, prints and, when apply, carries out one
// reconciliation, and returns the exit status reconcileUsage documents.
// Every line names a client_id and says why; none shows a secret or a
// hash.
func runReconcile(ctx context.Context, stdout, stderr io.Writer, up sdk.Upstream, store sdk.ClientStore, now time.Time, opt reconcile.Options, apply bool) int {
	actions, err := reconcile.Plan(ctx, up, store, now, opt)
	if err != nil {
		fmt.Fprintf(stderr, "registrar reconcile: %v\n", err)
		return 1
	}
	if !apply {
		var repair, waiting, review int
		for _, a := range actions {
			switch {
			case a.Kind.Acts():
				repair++
				fmt.Fprintln(stdout, "would "+a.String())
			case a.Kind == reconcile.Wait:
				waiting++
				fmt.Fprintln(stdout, a.String())
			default:
				review++
				fmt.Fprintln(stdout, a.String())
			}
		}
		fmt.Fprintf(stderr, "registrar reconcile: dry run: %d to repair, %d waiting for the grace period, %d to review%s\n",
			repair, waiting, review, map[bool]string{true: " (-apply repairs)", false: ""}[repair > 0])
		if repair+review > 0 {
			return exitDivergent
		}
		return 0
	}
	results := reconcile.Apply(ctx, up, store, actions, opt)
	for _, r := range results {
		fmt.Fprintln(stdout, r.String())
	}
	n := reconcile.Count(results)
	fmt.Fprintf(stderr, "registrar reconcile: %d repaired, %d skipped (changed since the plan), %d failed, %d waiting for the grace period, %d to review\n",
		n.Done, n.Skipped, n.Failed, n.Waiting, n.Review)
	if n.Failed+n.Review > 0 {
		return 1
	}
	return 0
}

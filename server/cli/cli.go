package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/httpapi"
)

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

const usage = `Usage: registrar <command> [flags]

Commands:
  serve   -config FILE   run the server (default config.hcl); -listen ADDR and
                         -public-base-url URL replace the file's server values
  check   -config FILE   validate a configuration file and exit
  token   generate       print a new random token (initial access token or secret key)
  token   create|list|revoke  issue, list and revoke initial access tokens (registrar token help)
  client  revoke-token|delete|scan  revoke a client's registration access token, delete a
                         client, check every stored client (registrar client help)
  reconcile -config FILE compare the store with the upstream authorization server and
                         print the repairs a crash left; -apply makes them
                         (registrar reconcile -help)
  version                print the version
`

// Main runs the command in args (without the program name) and returns
// the process exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "client":
		return client(args[1:], stdout, stderr)
	case "reconcile":
		return reconcileCmd(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "registrar %s\n", Version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "registrar: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func configFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet("registrar "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.hcl", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "registrar %s: unexpected argument %q\n", name, fs.Arg(0))
		return "", false
	}
	return *path, true
}

func load(path string, stderr io.Writer) (*config.Config, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, config.FormatDiagnostics(err))
		return nil, false
	}
	return cfg, true
}

// check validates the file as serve would, without starting anything:
// config.Load, then config.VerifyPlugins (each plugin executable against
// its pinned sha256). Problems go to stderr, one per line, warnings
// included; the verdict goes to stdout.
func check(args []string, stdout, stderr io.Writer) int {
	path, ok := configFlag("check", args, stderr)
	if !ok {
		return 2
	}
	cfg, ok := load(path, stderr)
	if !ok {
		return 1
	}
	if diags := cfg.VerifyPlugins(); diags != nil {
		fmt.Fprintln(stderr, config.FormatDiagnostics(diags))
		if diags.HasErrors() {
			return 1
		}
	}
	fmt.Fprintf(stdout, "%s: configuration is valid\n", path)
	return 0
}

func serve(args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("registrar serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.hcl", "configuration `file`")
	listen := fs.String("listen", "", "listen on `host:port` instead of the file's server.listen; a public_base_url\nleft at its default then becomes http://host:port unless -public-base-url is given")
	baseURL := fs.String("public-base-url", "", "`URL` replacing the file's server.public_base_url (registration_client_uri)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "registrar serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, ok := load(*path, stderr)
	if !ok {
		return 1
	}
	kept, err := cfg.Server.OverrideListen(*listen, *baseURL)
	if err != nil {
		fmt.Fprintf(stderr, "registrar serve: %v\n", err)
		return 2
	}
	log := app.NewLogger(cfg.Log, stderr)
	switch {
	case kept:
		log.Warn("-listen keeps the configured public_base_url; registration_client_uri names it (-public-base-url changes it)",
			"listen", cfg.Server.Listen, "public_base_url", cfg.Server.PublicBaseURL)
	case *listen != "" && *baseURL == "":
		log.Info("public_base_url follows -listen", "listen", cfg.Server.Listen, "public_base_url", cfg.Server.PublicBaseURL)
	}
	// What check would say about the plugin executables, before any
	// starts: a wrong checksum stops serve here, pointing at its line,
	// and a warning (dev_mode; an optional plugin that cannot start) is
	// logged.
	diags := cfg.VerifyPlugins()
	if diags.HasErrors() {
		log.Error("cannot start")
		fmt.Fprintln(stderr, config.FormatDiagnostics(diags))
		return 1
	}
	for _, d := range diags {
		log.Warn(d.Summary, "at", d.Subject.String(), "detail", d.Detail)
	}
	setGCPercent()
	httpapi.SetReleaseMode()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	a, err := app.New(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start")
		fmt.Fprintln(stderr, config.FormatDiagnostics(err))
		return 1
	}
	defer a.Close()
	// SIGHUP loads the TLS certificate again (the files are watched too).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() { signal.Stop(hup); close(hup) }()
	go func() {
		for range hup {
			if err := a.ReloadTLS(); err != nil {
				log.Error("SIGHUP: cannot load the TLS certificate; serving the previous one", "error", err)
			}
		}
	}()
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		log.Error("cannot listen", "address", cfg.Server.Listen, "error", err)
		return 1
	}
	if err := a.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("server stopped", "error", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// serveGCPercent is the garbage collector's target for serve unless GOGC
// is set: the live heap of the server is a few megabytes, and collecting
// at 5x instead of 2x of it takes a tenth of the CPU per registration
// back (measured with make bench).
const serveGCPercent = 400

func setGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}

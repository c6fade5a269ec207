package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin"
)

// clientDelete deletes one client by client_id. A store that implements
// storeadmin.Remover (sqlite, memory) deletes the record without reading
// it, so a record that no longer decodes goes too; any other store (a
// store plugin) is asked for the record, then to delete that revision
// (RFC 7592 §2.3's delete, without the registration access token).
func clientDelete(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registrar client delete", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.hcl", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: registrar client delete [-config FILE] [--] CLIENT_ID")
		return 2
	}
	id := fs.Arg(0)
	return withStore(*path, stderr, func(ctx context.Context, cfg *config.Config, s sdk.Store) int {
		// As an RFC 7592 delete does: the authorization server first, so
		// that the client is never gone here and alive there.
		if cfg.Upstream != nil {
			if err := deprovision(ctx, cfg, stderr, id); err != nil {
				fmt.Fprintf(stderr, "registrar client delete: the authorization server did not delete %q, so the registration is kept: %v\n", id, err)
				return 1
			}
		}
		err := deleteClient(ctx, s, id)
		switch {
		case errors.Is(err, sdk.ErrNotFound):
			fmt.Fprintf(stderr, "registrar client delete: no client %q\n", id)
			return 1
		case err != nil:
			fmt.Fprintf(stderr, "registrar client delete: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "deleted client %q\n", id)
		return 0
	})
}

// deprovision deletes the upstream client id; an upstream without it
// counts as deleted.
func deprovision(ctx context.Context, cfg *config.Config, stderr io.Writer, id string) error {
	log := app.NewLogger(cfg.Log, stderr)
	if log.GetLevel() < hclog.Warn {
		log.SetLevel(hclog.Warn)
	}
	up, closeUp, err := openUpstream(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("cannot open the upstream: %s", config.FormatDiagnostics(err))
	}
	defer closeUp.Close()
	if err := up.Delete(ctx, id); err != nil && !errors.Is(err, sdk.ErrNotFound) {
		return err
	}
	return nil
}

func deleteClient(ctx context.Context, s sdk.Store, id string) error {
	if r, ok := s.(storeadmin.Remover); ok {
		return r.RemoveClient(ctx, id)
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return err
		}
		return fmt.Errorf("%w (this store deletes only a record it can read; README, \"Upgrading\", says how to delete one it cannot)", err)
	}
	return s.Delete(ctx, id, c.Revision)
}

// clientScan reads every stored client and lists on stdout, one line
// each as "CLIENT_ID: reason", every problem found; the count goes to
// stderr. The exit status is 1 when anything is listed or the store
// cannot be read, 0 otherwise. Nothing is changed.
func clientScan(args []string, stdout, stderr io.Writer) int {
	path, ok := configFlag("client scan", args, stderr)
	if !ok {
		return 2
	}
	return withStore(path, stderr, func(ctx context.Context, cfg *config.Config, s sdk.Store) int {
		sc, ok := s.(storeadmin.Scanner)
		if !ok {
			fmt.Fprintln(stderr, "registrar client scan: this store cannot list its clients (a store plugin cannot; "+
				"README, \"Upgrading\", says what to do)")
			return 1
		}
		var total, bad int
		err := sc.ScanClients(ctx, func(r storeadmin.Record) error {
			total++
			reasons := scanReasons(cfg, r)
			for _, why := range reasons {
				fmt.Fprintf(stdout, "%s: %s\n", quoteID(r.ClientID), why)
			}
			if len(reasons) > 0 {
				bad++
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "registrar client scan: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "registrar client scan: %d clients read, %d to review\n", total, bad)
		if bad > 0 {
			return 1
		}
		return 0
	})
}

// scanReasons returns why the stored client r needs the operator's
// attention, in words that never quote a stored value: its record does
// not decode; its profile is no longer configured; its metadata, sent
// back as the body of an update (RFC 7592 §2.2), would be refused by
// sdk.ParseMetadata with the server's current limits; its jwks would be
// refused by sdk.CheckJWKS under its profile's policy (RFC 7591 §2).
// nil when there is nothing to say.
func scanReasons(cfg *config.Config, r storeadmin.Record) []string {
	if r.Err != nil {
		return []string{"the stored record does not decode: " + r.Err.Error()}
	}
	var reasons []string
	c := r.Client
	if c.ID != r.ClientID {
		reasons = append(reasons, "the stored record names another client_id")
	}
	prof, known := cfg.Profile(c.Profile)
	if !known {
		reasons = append(reasons, fmt.Sprintf("its profile %s is not configured", quoteID(c.Profile)))
	}
	opts := sdk.ParseOptions{
		MaxStringLength: cfg.Server.MaxStringLength,
		MaxArrayLength:  cfg.Server.MaxArrayLength,
		MaxDepth:        cfg.Server.MaxDepth,
		MaxUnknownBytes: cfg.Server.MaxUnknownBytes,
		Update:          true,
	}
	if known && !prof.Policy.KeepUnknownMetadata {
		// As the pipeline does: unknown members are dropped, not kept, so
		// their size is not bounded.
		opts.MaxUnknownBytes = math.MaxInt
	}
	body, err := c.Metadata.MarshalJSON()
	if err != nil {
		return append(reasons, "its metadata does not encode: "+err.Error())
	}
	if _, _, err := sdk.ParseMetadata(body, opts); err != nil {
		reasons = append(reasons, "its metadata would be refused in an update: "+err.Error())
	}
	if len(c.Metadata.JWKS) > 0 && known {
		if _, err := sdk.CheckJWKS(c.Metadata.JWKS, prof.Policy); err != nil {
			reasons = append(reasons, "its jwks would be refused: "+err.Error())
		}
	}
	return reasons
}

// quoteID returns a client_id (or profile name) as is when it is printable
// ASCII without spaces, quoted otherwise, so a line of scan's output is
// always one record.
func quoteID(s string) string {
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '"' {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

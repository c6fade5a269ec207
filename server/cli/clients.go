package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/pipeline"
)

const clientUsage = `Usage:
  registrar client revoke-token [-config FILE] [--] CLIENT_ID
      revoke a client's registration access token (RFC 7592): it stops
      working at once; the client keeps its registration but can no longer
      read, update or delete it
  registrar client delete [-config FILE] [--] CLIENT_ID
      delete a client from the store, whatever its revision, without
      decoding it: a record an older version stored that no longer decodes
      is deleted too (the sqlite and memory stores; a store plugin deletes
      only a record it can read)
  registrar client scan [-config FILE]
      read every stored client and list, one per line as CLIENT_ID: reason,
      those whose record does not decode or whose metadata the current
      rules would refuse in an update (its profile gone, a member or its
      jwks refused); exit status 1 when any is listed (README, "Upgrading")

A client_id may begin with "-": put -- before it, so that it is not read
as a flag.
`

func client(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, clientUsage)
		return 2
	}
	switch args[0] {
	case "revoke-token":
		return clientRevokeToken(args[1:], stdout, stderr)
	case "delete":
		return clientDelete(args[1:], stdout, stderr)
	case "scan":
		return clientScan(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, clientUsage)
		return 0
	}
	fmt.Fprintf(stderr, "registrar client: unknown command %q\n\n%s", args[0], clientUsage)
	return 2
}

func clientRevokeToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registrar client revoke-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.hcl", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: registrar client revoke-token [-config FILE] [--] CLIENT_ID")
		return 2
	}
	id := fs.Arg(0)
	return withStore(*path, stderr, func(ctx context.Context, _ *config.Config, s sdk.Store) int {
		revoked, err := pipeline.RevokeRegistrationToken(ctx, s, id, time.Now())
		switch {
		case errors.Is(err, sdk.ErrNotFound):
			fmt.Fprintf(stderr, "registrar client revoke-token: no client %q\n", id)
			return 1
		case err != nil:
			fmt.Fprintf(stderr, "registrar client revoke-token: %v\n", err)
			return 1
		case !revoked:
			fmt.Fprintf(stdout, "the registration access token of %s was already revoked\n", id)
			return 0
		}
		fmt.Fprintf(stdout, "revoked the registration access token of %s\n", id)
		return 0
	})
}

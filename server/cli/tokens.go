package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/app"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/config"
)

const tokenUsage = `Usage:
  registrar token generate
      print a new random value (for a static initial access token or a key)
  registrar token create -profile NAME [-expires 24h] [-uses 10] [-description TEXT] [-config FILE]
      issue an initial access token for a profile with issued_tokens = true;
      the token is printed once and stored only as a hash
  registrar token list [-config FILE]
      list issued tokens: id, profile, expiry, uses (never the token)
  registrar token revoke [-config FILE] ID
      revoke an issued token
`

func token(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	switch args[0] {
	case "generate":
		if len(args) != 1 {
			fmt.Fprint(stderr, tokenUsage)
			return 2
		}
		t, err := sdk.RandomToken()
		if err != nil {
			fmt.Fprintf(stderr, "registrar: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, t)
		return 0
	case "create":
		return tokenCreate(args[1:], stdout, stderr)
	case "list":
		return tokenList(args[1:], stdout, stderr)
	case "revoke":
		return tokenRevoke(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return 0
	}
	fmt.Fprintf(stderr, "registrar token: unknown command %q\n\n%s", args[0], tokenUsage)
	return 2
}

// withStore loads the configuration and opens its store for fn.
func withStore(path string, stderr io.Writer, fn func(ctx context.Context, cfg *config.Config, s sdk.Store) int) int {
	cfg, ok := load(path, stderr)
	if !ok {
		return 1
	}
	log := app.NewLogger(cfg.Log, stderr)
	if log.GetLevel() < hclog.Warn {
		log.SetLevel(hclog.Warn) // keep the output of the command readable
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, closer, err := app.OpenStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "registrar: cannot open the store: %s\n", config.FormatDiagnostics(err))
		return 1
	}
	defer closer.Close()
	if cfg.Store.TokenStore().Kind == config.StoreMemory {
		fmt.Fprintln(stderr, "registrar: warning: the store is \"memory\": tokens live only as long as this command")
	}
	return fn(ctx, cfg, s)
}

func tokenCreate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registrar token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.hcl", "configuration `file`")
	profile := fs.String("profile", "", "the registration `profile` the token admits to (required)")
	expires := fs.Duration("expires", 24*time.Hour, "lifetime of the token; 0 for no expiry")
	uses := fs.Int64("uses", 1, "number of registrations the token allows; 0 for no limit")
	desc := fs.String("description", "", "a note shown by token list")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "registrar token create: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *profile == "":
		fmt.Fprintln(stderr, "registrar token create: -profile is required")
		return 2
	case *expires < 0 || *uses < 0:
		fmt.Fprintln(stderr, "registrar token create: -expires and -uses must not be negative")
		return 2
	}
	return withStore(*path, stderr, func(ctx context.Context, cfg *config.Config, s sdk.Store) int {
		p, ok := cfg.Profile(*profile)
		switch {
		case !ok:
			fmt.Fprintf(stderr, "registrar token create: no profile %q in %s\n", *profile, *path)
			return 1
		case !p.IssuedTokens:
			fmt.Fprintf(stderr, "registrar token create: profile %q does not accept issued tokens; set issued_tokens = true in its authentication block\n", *profile)
			return 1
		}
		plain, t, err := auth.IssueToken(ctx, s, auth.TokenRequest{
			Profile: *profile, Lifetime: *expires, MaxUses: *uses, Description: *desc,
		}, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "registrar token create: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "Issued %s for profile %q (expires %s, uses %s). The token is shown once:\n",
			t.ID, t.Profile, expiry(t), usesText(t))
		fmt.Fprintln(stdout, plain)
		return 0
	})
}

func tokenList(args []string, stdout, stderr io.Writer) int {
	path, ok := configFlag("token list", args, stderr)
	if !ok {
		return 2
	}
	return withStore(path, stderr, func(ctx context.Context, _ *config.Config, s sdk.Store) int {
		tokens, err := s.ListTokens(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "registrar token list: %v\n", err)
			return 1
		}
		now := time.Now().Unix()
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tPROFILE\tCREATED\tEXPIRES\tUSES\tREMAINING\tSTATUS\tDESCRIPTION")
		for _, t := range tokens {
			remaining := "unlimited"
			if r := t.Remaining(); r >= 0 {
				remaining = fmt.Sprint(r)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Profile,
				time.Unix(t.CreatedAt, 0).UTC().Format(time.RFC3339), expiry(t), usesText(t),
				remaining, status(t, now), strings.ReplaceAll(t.Description, "\t", " "))
		}
		w.Flush()
		return 0
	})
}

func tokenRevoke(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registrar token revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.hcl", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: registrar token revoke [-config FILE] ID")
		return 2
	}
	id := fs.Arg(0)
	return withStore(*path, stderr, func(ctx context.Context, _ *config.Config, s sdk.Store) int {
		err := auth.RevokeToken(ctx, s, id)
		switch {
		case errors.Is(err, sdk.ErrNotFound):
			fmt.Fprintf(stderr, "registrar token revoke: no token %q\n", id)
			return 1
		case err != nil:
			fmt.Fprintf(stderr, "registrar token revoke: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "revoked %s\n", id)
		return 0
	})
}

func expiry(t sdk.InitialAccessToken) string {
	if t.ExpiresAt == 0 {
		return "never"
	}
	return time.Unix(t.ExpiresAt, 0).UTC().Format(time.RFC3339)
}

func usesText(t sdk.InitialAccessToken) string {
	if t.MaxUses == 0 {
		return fmt.Sprintf("%d/unlimited", t.Uses)
	}
	return fmt.Sprintf("%d/%d", t.Uses, t.MaxUses)
}

func status(t sdk.InitialAccessToken, now int64) string {
	switch {
	case t.Revoked:
		return "revoked"
	case t.ExpiresAt != 0 && now >= t.ExpiresAt:
		return "expired"
	case t.MaxUses != 0 && t.Uses >= t.MaxUses:
		return "used up"
	}
	return "active"
}

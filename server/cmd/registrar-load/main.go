// Command registrar-load runs Registrar's bounded load test: it starts
// `registrar serve` on a loopback port with the SQLite store and registers
// clients at each concurrency for a fixed time, printing registrations/s
// and latency percentiles. `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/registrar-dcr/registrar/server/loadtest"
)

const sqliteConfig = `
server {
  listen          = "%s"
  public_base_url = "%s"
}
log {
  level = "warn"
}
store "sqlite" {
  path = "registrar.db"
}
profile "load" {
  authentication {
    initial_access_token "load" {
      token = env("REGISTRAR_INITIAL_ACCESS_TOKEN")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "none"]
    scopes                      = ["openid", "profile"]
    default_scope               = "openid"
  }
}
`

func main() {
	binary := flag.String("registrar", "bin/registrar", "registrar `binary` to start")
	levels := flag.String("c", "1,16", "comma-separated concurrency `levels`")
	duration := flag.Duration("d", 5*time.Second, "duration of each run")
	max := flag.Int("n", 200000, "maximum requests per run")
	flag.Parse()

	ctx := context.Background()
	srv, err := loadtest.StartServer(ctx, *binary, sqliteConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registrar-load:", err)
		os.Exit(1)
	}
	defer srv.Stop()
	fmt.Printf("registrations against %s serve (store sqlite), %s per level:\n", *binary, *duration)
	status := 0
	for _, l := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || c < 1 {
			fmt.Fprintf(os.Stderr, "registrar-load: bad concurrency %q\n", l)
			os.Exit(2)
		}
		res, err := loadtest.Run(ctx, srv.URL, srv.Token, c, *duration, *max)
		fmt.Println("  " + res.String())
		if err != nil {
			fmt.Fprintln(os.Stderr, "registrar-load:", err)
			status = 1
		}
	}
	srv.Stop()
	os.Exit(status)
}

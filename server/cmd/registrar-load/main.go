// Command registrar-load runs Registrar's bounded load test: it starts
// `registrar serve` on a loopback port and registers clients at each
// concurrency for a fixed time, printing registrations/s and latency
// percentiles. `make bench` runs it.
//
// Scenarios (-scenario):
//
//	sqlite            the built-in SQLite store and validator
//	plugin-validator  the same, with a plugin validator after the built-in
//	                  one (-plugin, default bin/plugins/company-policy)
//	plugin-store      a store plugin (-plugin, -plugin-config; the caller
//	                  starts its database, e.g. the mongodb plugin)
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

func main() {
	binary := flag.String("registrar", "bin/registrar", "registrar `binary` to start")
	scenario := flag.String("scenario", "sqlite", "sqlite | plugin-validator | plugin-store")
	pluginPath := flag.String("plugin", "bin/plugins/company-policy", "plugin `binary` of the plugin scenarios")
	pluginConfig := flag.String("plugin-config", "allowed_domains = [\"example.com\"]\n    max_access_token_lifetime = 3600",
		"HCL attributes of the plugin's config block")
	levels := flag.String("c", "1,16", "comma-separated concurrency `levels`")
	duration := flag.Duration("d", 5*time.Second, "duration of each run")
	max := flag.Int("n", 200000, "maximum requests per run")
	flag.Parse()

	var conc []int
	for _, l := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || c < 1 {
			fmt.Fprintf(os.Stderr, "registrar-load: bad concurrency %q\n", l)
			os.Exit(2)
		}
		conc = append(conc, c)
	}
	cfg, err := loadtest.Config(*scenario, *pluginPath, *pluginConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registrar-load:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	srv, err := loadtest.StartServer(ctx, *binary, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registrar-load:", err)
		os.Exit(1)
	}
	fmt.Printf("scenario %s: registrations against %s serve, %s per level:\n", *scenario, *binary, *duration)
	status := 0
	for _, c := range conc {
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

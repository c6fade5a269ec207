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
//	plugin-upstream   the SQLite store and an upstream plugin every
//	                  registration is provisioned into (-plugin,
//	                  -plugin-config; the caller starts the authorization
//	                  server, e.g. plugins/hydra/bench.sh). With -admin-url,
//	                  each level is also run against Hydra's admin API
//	                  directly (as hydra-direct), and the two are printed
//	                  side by side with their ratio.
//	hydra-direct      Hydra's own create rate, no Registrar: POST
//	                  /admin/clients at -admin-url of the client the hydra
//	                  plugin writes, client_id and client_secret chosen by
//	                  the caller
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
	scenario := flag.String("scenario", "sqlite", "sqlite | plugin-validator | plugin-store | plugin-upstream | hydra-direct")
	pluginPath := flag.String("plugin", "bin/plugins/company-policy", "plugin `binary` of the plugin scenarios")
	pluginConfig := flag.String("plugin-config", "allowed_domains = [\"example.com\"]\n    max_access_token_lifetime = 3600",
		"HCL attributes of the plugin's config block")
	adminURL := flag.String("admin-url", "", "Hydra's admin API `URL` of hydra-direct (and of the side by side of plugin-upstream)")
	owner := flag.String("owner", "registrar-load", "Hydra `owner` of the clients hydra-direct creates (the plugin's owner, for the same body)")
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
	ctx := context.Background()
	direct := func(c int) (loadtest.Result, error) {
		return loadtest.RunHydra(ctx, *adminURL, *owner, c, *duration, *max)
	}
	if *scenario == "hydra-direct" {
		if *adminURL == "" {
			fmt.Fprintln(os.Stderr, "registrar-load: hydra-direct needs -admin-url")
			os.Exit(2)
		}
		fmt.Printf("scenario hydra-direct: POST %s/admin/clients, %s per level:\n", *adminURL, *duration)
		status := 0
		for _, c := range conc {
			if _, err := report("", direct, c); err != nil {
				status = 1
			}
		}
		os.Exit(status)
	}

	cfg, err := loadtest.Config(*scenario, *pluginPath, *pluginConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registrar-load:", err)
		os.Exit(2)
	}
	srv, err := loadtest.StartServer(ctx, *binary, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registrar-load:", err)
		os.Exit(1)
	}
	served := func(c int) (loadtest.Result, error) {
		return loadtest.Run(ctx, srv.URL, srv.Token, c, *duration, *max)
	}
	sideBySide := *scenario == "plugin-upstream" && *adminURL != ""
	fmt.Printf("scenario %s: registrations against %s serve, %s per level:\n", *scenario, *binary, *duration)
	if sideBySide {
		fmt.Printf("  beside hydra-direct: POST %s/admin/clients of the same client, without Registrar\n", *adminURL)
	}
	status := 0
	for _, c := range conc {
		if !sideBySide {
			if _, err := report("", served, c); err != nil {
				status = 1
			}
			continue
		}
		d, errD := report("hydra-direct     ", direct, c)
		u, errU := report(*scenario+"  ", served, c)
		if errD != nil || errU != nil {
			status = 1
		}
		if d.Rate() > 0 {
			fmt.Printf("  ratio c=%-3d %.2f  (%s reg/s / hydra-direct reg/s)\n", c, u.Rate()/d.Rate(), *scenario)
		}
	}
	srv.Stop()
	os.Exit(status)
}

// report runs one level and prints its line, prefixed by label.
func report(label string, run func(c int) (loadtest.Result, error), c int) (loadtest.Result, error) {
	res, err := run(c)
	fmt.Println("  " + label + res.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "registrar-load:", err)
	}
	return res, err
}

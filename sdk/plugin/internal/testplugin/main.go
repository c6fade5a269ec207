// Command testplugin is the plugin the tests of sdk/plugin and
// sdk/plugintest launch. It serves every kind (see package testimpl);
// TESTPLUGIN_KINDS ("validator,store", ...) restricts what it serves,
// TESTPLUGIN_VALIDATOR=plain serves a Validator instead of Steps, and
// TESTPLUGIN_STORE=clients serves a store of clients alone. The upstream
// kind (an in-memory authorization server) is served only when
// TESTPLUGIN_KINDS names it.
package main

import (
	"os"
	"slices"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugin/internal/testimpl"
)

func main() {
	kinds := testimpl.Kinds(os.Getenv("TESTPLUGIN_KINDS"))
	cfg := &plugin.ServeConfig{
		Configure: testimpl.Configure,
		Health:    testimpl.Health,
	}
	if slices.Contains(kinds, plugin.KindValidator) {
		if os.Getenv("TESTPLUGIN_VALIDATOR") == "plain" {
			cfg.Validator = sdk.StepsValidator{Steps: testimpl.Steps{}}
		} else {
			cfg.Steps = testimpl.Steps{}
		}
	}
	if slices.Contains(kinds, plugin.KindProcessor) {
		cfg.Processor = testimpl.Processor{}
	}
	if slices.Contains(kinds, plugin.KindStore) {
		cfg.Store = &testimpl.Store{}
		if os.Getenv("TESTPLUGIN_STORE") == "clients" {
			cfg.Store = testimpl.ClientsOnly{ClientStore: &testimpl.Store{}}
		}
	}
	if slices.Contains(kinds, plugin.KindResponse) {
		cfg.Response = testimpl.Response{}
	}
	if slices.Contains(kinds, plugin.KindUpstream) {
		logger := plugin.DefaultLogger()
		cfg.Logger = logger
		cfg.Upstream = &testimpl.Upstream{Logger: logger}
	}
	plugin.Serve(cfg)
}

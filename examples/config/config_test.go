// Package config_test checks the example configuration plugins.hcl: it
// loads with the server's configuration loader, and every plugin it names,
// built from examples/plugins, starts and accepts its config block.
package config_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/server/config"
)

// kinds are the plugins plugins.hcl defines and the kind each serves.
var kinds = map[string]string{
	"company-policy": plugin.KindValidator,
	"tenant-prefix":  plugin.KindProcessor,
	"extra-field":    plugin.KindResponse,
}

func TestPluginsHCL(t *testing.T) {
	// The layout of the repository: examples/config/plugins.hcl refers to
	// ../../bin/plugins/NAME.
	root := t.TempDir()
	dir := filepath.Join(root, "examples", "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("plugins.hcl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "plugins.hcl")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	for name := range kinds {
		out := filepath.Join(root, "bin", "plugins", name)
		if b, err := exec.Command("go", "build", "-o", out, "../plugins/"+name).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, b)
		}
	}
	t.Setenv("REGISTRAR_INITIAL_ACCESS_TOKEN", "example-token-0123456789abcdefghijklmnopqrstuvwxyz")

	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load plugins.hcl:\n%v", err)
	}
	if cfg.Processor != "tenant-prefix" || cfg.Response != "extra-field" {
		t.Errorf("processor %q, response %q", cfg.Processor, cfg.Response)
	}
	prof, ok := cfg.Profile("default")
	if !ok || !slices.Equal(prof.Validators, []string{config.BuiltinValidator, "company-policy"}) {
		t.Errorf("profile default: validators %v", prof.Validators)
	}
	if len(cfg.Plugins) != len(kinds) {
		t.Fatalf("%d plugins, want %d", len(cfg.Plugins), len(kinds))
	}

	// Each plugin starts as the server would start it, and accepts the
	// config block the file gives it.
	for _, p := range cfg.Plugins {
		t.Run(p.Name, func(t *testing.T) {
			if !p.DevMode || p.SHA256 != "" || p.DisableMTLS {
				t.Errorf("dev_mode %v, sha256 %q, tls %v", p.DevMode, p.SHA256, !p.DisableMTLS)
			}
			inst, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
				Name:         p.Name,
				Path:         p.Path,
				Args:         p.Args,
				SHA256:       p.SHA256,
				DevMode:      p.DevMode,
				DisableMTLS:  p.DisableMTLS,
				Env:          p.Env,
				StartTimeout: p.StartTimeout,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Kill()
			if !inst.Serves(kinds[p.Name]) {
				t.Errorf("serves %v, want %s", inst.Kinds(), kinds[p.Name])
			}
			if err := inst.Configure(t.Context(), p.Config); err != nil {
				t.Fatalf("the plugin rejects its config block %s: %v", p.Config, err)
			}
		})
	}
}

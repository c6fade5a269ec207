package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loadUpstreamFixture copies testdata/upstream/name into dir as config.hcl
// and loads it; it returns the path of the copy.
func loadUpstreamFixture(t *testing.T, dir, name string) (string, *Config, error) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata/upstream", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	return path, cfg, err
}

// TestLoadUpstream decodes the upstream block: the plugin it names, the
// reconciler's interval (0: none) and grace (5m unless written).
func TestLoadUpstream(t *testing.T) {
	dir := pluginDir(t)
	for _, tc := range []struct {
		name string
		want *Upstream
	}{
		{"good", &Upstream{Kind: UpstreamPlugin, Plugin: "hydra", ReconcileInterval: 10 * time.Minute, ReconcileGrace: 90 * time.Second}},
		{"defaults", &Upstream{Kind: UpstreamPlugin, Plugin: "hydra", ReconcileGrace: DefaultReconcileGrace}},
		{"zero", &Upstream{Kind: UpstreamPlugin, Plugin: "hydra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg, err := loadUpstreamFixture(t, dir, tc.name+".hcl")
			if err != nil {
				t.Fatalf("Load: %s", FormatDiagnostics(err))
			}
			if cfg.Upstream == nil || *cfg.Upstream != *tc.want {
				t.Fatalf("Upstream = %+v, want %+v", cfg.Upstream, tc.want)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		_, cfg, err := loadPluginFixture(t, dir, "tokens/memory.hcl")
		if err != nil {
			t.Fatalf("Load: %s", FormatDiagnostics(err))
		}
		if cfg.Upstream != nil {
			t.Fatalf("Upstream = %+v without an upstream block, want nil", cfg.Upstream)
		}
	})
}

// TestLoadUpstreamInvalid: each wrong upstream block is one diagnostic at
// its file:line,column, which `registrar check` prints.
func TestLoadUpstreamInvalid(t *testing.T) {
	tests := []struct {
		name      string
		line, col int
		msg       string
	}{
		{name: "unknown_kind", line: 14, col: 10, msg: `Unsupported upstream kind; The upstream kind must be one of "plugin"; got "hydra"`},
		{name: "no_kind", line: 14, col: 10, msg: `Missing kind for upstream`},
		{name: "missing_plugin", line: 14, col: 1, msg: `Missing plugin; The plugin upstream needs plugin, the name of a plugin block; for example plugin = "hydra"`},
		{name: "unknown_plugin", line: 15, col: 12, msg: `Unknown plugin; plugin: no plugin named "keycloak" is defined (the plugins are "hydra")`},
		{name: "empty_plugin", line: 15, col: 12, msg: `Unknown plugin; plugin: no plugin named "" is defined`},
		{name: "negative_interval", line: 16, col: 24, msg: `reconcile_interval must not be negative; got "-1m"`},
		{name: "negative_grace", line: 16, col: 21, msg: `reconcile_grace must not be negative; got "-5m"`},
		{name: "bad_grace", line: 16, col: 21, msg: `reconcile_grace: "five minutes" is not a duration`},
		{name: "short_periodic_grace", line: 16, col: 24, msg: `Grace period too short; With reconcile_interval set, reconcile_grace must be at least 1m0s`},
		{name: "two_blocks", line: 18, col: 1, msg: "Duplicate upstream block; Only one upstream block is allowed"},
		{name: "unknown_attribute", line: 16, col: 3, msg: `An argument named "path" is not expected here`},
	}
	dir := pluginDir(t)
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			path, cfg, err := loadUpstreamFixture(t, dir, "invalid/"+tt.name+".hcl")
			if err == nil {
				t.Fatalf("Load succeeded: %+v", cfg)
			}
			if cfg != nil {
				t.Error("Load returned a Config with an error")
			}
			diags := diagnostics(t, err)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1:\n%s", len(diags), FormatDiagnostics(err))
			}
			checkDiag(t, diags[0], path, tt.line, tt.col, tt.msg)
		})
	}
	files, err := filepath.Glob("testdata/upstream/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".hcl"); !seen[name] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

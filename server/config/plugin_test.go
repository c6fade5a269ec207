package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// pluginDir returns a temporary directory holding bin/ with fake plugin
// executables (company-policy, mongodb, ok), a file without execute bit
// (not-exec) and a directory (dir).
func pluginDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(filepath.Join(bin, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]os.FileMode{"company-policy": 0o755, "mongodb": 0o755, "ok": 0o700, "not-exec": 0o644}
	for name, mode := range files {
		p := filepath.Join(bin, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 1\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask-proof
			t.Fatal(err)
		}
	}
	return dir
}

// loadPluginFixture copies testdata/plugins/name into dir as config.hcl
// and loads it; it returns the path of the copy.
func loadPluginFixture(t *testing.T, dir, name string) (string, *Config, error) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata/plugins", name))
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

func TestLoadPlugins(t *testing.T) {
	t.Setenv("REGISTRAR_TEST_PLUGIN_SECRET", "s3cret")
	t.Setenv("REGISTRAR_TEST_PLUGIN_OWNER", "alice")
	dir := pluginDir(t)
	path, cfg, err := loadPluginFixture(t, dir, "valid.hcl")
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}

	want := []Plugin{{
		Name:         "company-policy",
		Path:         filepath.Join(dir, "bin", "company-policy"),
		SHA256:       "4f2a0000000000000000000000000000000000000000000000000000000000ab",
		Optional:     true,
		DisableMTLS:  true,
		Args:         []string{"-mode", "strict"},
		Env:          []string{"REGION=eu", "SECRET=s3cret", "ZONE=z1"},
		Timeout:      500 * time.Millisecond,
		StartTimeout: 30 * time.Second,
		Config:       []byte(`{"allowed_domains":["example.com","example.org"],"max_lifetime":3600,"nested":{"a":1,"b":[true,null]},"nothing":null,"owner":"alice","strict":true}`),
	}, {
		Name:         "mongodb",
		Path:         filepath.Join(dir, "bin", "mongodb"),
		DevMode:      true,
		Env:          []string{},
		Timeout:      2 * time.Second,
		StartTimeout: 10 * time.Second,
		Config:       []byte("{}"),
	}, {
		Name:         "unused",
		Path:         filepath.Join(dir, "bin", "mongodb"),
		SHA256:       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Env:          []string{},
		Timeout:      2 * time.Second,
		StartTimeout: 10 * time.Second,
		Config:       []byte("{}"),
	}}
	wantRange := []int{4, 27, 32}     // line of each plugin block
	wantSHA256Line := []int{6, 0, 34} // line of each sha256 value; 0: none
	wantAttrs := []map[string]int{{
		"allowed_domains": 18,
		"max_lifetime":    19,
		"strict":          20,
		"owner":           21,
		"nested":          22,
		"nothing":         23,
	}, {}, {}}

	if len(cfg.Plugins) != len(want) {
		t.Fatalf("got %d plugins, want %d: %+v", len(cfg.Plugins), len(want), cfg.Plugins)
	}
	for i, w := range want {
		got := cfg.Plugins[i]
		if got.Range.Filename != path || got.Range.Start.Line != wantRange[i] || got.Range.Start.Column != 1 {
			t.Errorf("plugin %q: Range = %s, want %s:%d,1", w.Name, got.Range, path, wantRange[i])
		}
		if got.ConfigAttrs == nil {
			t.Errorf("plugin %q: ConfigAttrs is nil", w.Name)
		}
		lines := map[string]int{}
		for name, rng := range got.ConfigAttrs {
			lines[name] = rng.Start.Line
			if rng.Filename != path || rng.Start.Column != 5 {
				t.Errorf("plugin %q: ConfigAttrs[%q] = %s, want %s:%d,5", w.Name, name, rng, path, rng.Start.Line)
			}
		}
		if !reflect.DeepEqual(lines, wantAttrs[i]) {
			t.Errorf("plugin %q: ConfigAttrs lines = %v, want %v", w.Name, lines, wantAttrs[i])
		}
		if !json.Valid(got.Config) {
			t.Errorf("plugin %q: Config is not JSON: %s", w.Name, got.Config)
		}
		if wl := wantSHA256Line[i]; got.SHA256Range.Start.Line != wl || (wl != 0 && got.SHA256Range.Filename != path) {
			t.Errorf("plugin %q: SHA256Range = %s, want %s:%d", w.Name, got.SHA256Range, path, wl)
		}
		got.Range, got.ConfigAttrs, got.SHA256Range = hcl.Range{}, nil, hcl.Range{}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("plugin %d =\n%+v\nwant\n%+v\n(Config %s)", i, got, w, got.Config)
		}
	}

	if want := (Store{Kind: StorePlugin, Plugin: "mongodb"}); cfg.Store != want {
		t.Errorf("Store = %+v, want %+v", cfg.Store, want)
	}
	if cfg.Processor != "company-policy" || cfg.Response != "mongodb" {
		t.Errorf("Processor = %q, Response = %q", cfg.Processor, cfg.Response)
	}
	wantValidators := map[string][]string{
		"default":     {"company-policy", "rfc"},
		"plugin-only": {"company-policy"},
	}
	for name, w := range wantValidators {
		p, ok := cfg.Profile(name)
		if !ok || !reflect.DeepEqual(p.Validators, w) {
			t.Errorf("profile %q: Validators = %q, want %q", name, p.Validators, w)
		}
	}

	// The config JSON is one object that unmarshals to what was written.
	var obj map[string]any
	if err := json.Unmarshal(cfg.Plugins[0].Config, &obj); err != nil {
		t.Fatal(err)
	}
	wantObj := map[string]any{
		"allowed_domains": []any{"example.com", "example.org"},
		"max_lifetime":    3600.0,
		"strict":          true,
		"owner":           "alice",
		"nested":          map[string]any{"a": 1.0, "b": []any{true, nil}},
		"nothing":         nil,
	}
	if !reflect.DeepEqual(obj, wantObj) {
		t.Errorf("Config = %v, want %v", obj, wantObj)
	}

	// Config.Plugin finds each plugin by name.
	for _, w := range want {
		if p, ok := cfg.Plugin(w.Name); !ok || p.Name != w.Name || p.Path != w.Path {
			t.Errorf("Plugin(%q) = %+v, %v", w.Name, p, ok)
		}
	}
	for _, name := range []string{"", "rfc", "nope"} {
		if _, ok := cfg.Plugin(name); ok {
			t.Errorf("Plugin(%q) found something", name)
		}
	}
}

func TestPluginDefaults(t *testing.T) {
	dir := pluginDir(t)
	abs := filepath.Join(dir, "bin", "ok")
	src := fmt.Sprintf(`
plugin "p" {
  path   = %q
  sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}
`, abs)
	cfg, err := Parse([]byte(src), filepath.Join(dir, "config.hcl"))
	if err != nil {
		t.Fatalf("Parse: %s", FormatDiagnostics(err))
	}
	if len(cfg.Plugins) != 1 {
		t.Fatalf("got %d plugins, want 1", len(cfg.Plugins))
	}
	got := cfg.Plugins[0]
	if got.Range.Start.Line != 2 {
		t.Errorf("Range = %s, want line 2", got.Range)
	}
	if got.Env == nil || got.ConfigAttrs == nil {
		t.Errorf("Env = %#v, ConfigAttrs = %#v; want empty, not nil", got.Env, got.ConfigAttrs)
	}
	if got.SHA256Range.Start.Line != 4 || got.SHA256Range.Start.Column != 12 {
		t.Errorf("SHA256Range = %s, want line 4, column 12", got.SHA256Range)
	}
	got.Range, got.SHA256Range = hcl.Range{}, hcl.Range{}
	want := Plugin{
		Name:         "p",
		Path:         abs, // an absolute path is kept
		SHA256:       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Env:          []string{},
		Timeout:      2 * time.Second,
		StartTimeout: 10 * time.Second,
		Config:       []byte("{}"),
		ConfigAttrs:  map[string]hcl.Range{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plugin =\n%+v\nwant\n%+v", got, want)
	}
	if cfg.Processor != "" || cfg.Response != "" || cfg.Store.Plugin != "" {
		t.Errorf("Processor = %q, Response = %q, Store.Plugin = %q; want built-ins", cfg.Processor, cfg.Response, cfg.Store.Plugin)
	}
	if v := cfg.Profiles[0].Validators; !reflect.DeepEqual(v, []string{BuiltinValidator}) {
		t.Errorf("Validators = %q, want [rfc]", v)
	}

	// No plugin block at all.
	cfg, err = Load("testdata/minimal.hcl")
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}
	if cfg.Plugins != nil || cfg.Processor != "" || cfg.Response != "" {
		t.Errorf("Plugins = %v, Processor = %q, Response = %q", cfg.Plugins, cfg.Processor, cfg.Response)
	}
}

// TestLoadPluginStoreTokens: store "plugin" may keep clients alone and name,
// in a tokens block, the store of the initial access tokens and jtis; the
// block is decoded as a store block of its kind.
func TestLoadPluginStoreTokens(t *testing.T) {
	dir := pluginDir(t)
	for _, tc := range []struct {
		name string
		want Store
	}{
		{"sqlite", Store{Kind: StorePlugin, Plugin: "admin-api",
			Tokens: &Store{Kind: StoreSQLite, Path: filepath.Join(dir, "data", "registrar.db")}}},
		{"memory", Store{Kind: StorePlugin, Plugin: "admin-api", Tokens: &Store{Kind: StoreMemory}}},
		{"plugin", Store{Kind: StorePlugin, Plugin: "admin-api", Tokens: &Store{Kind: StorePlugin, Plugin: "mongodb"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg, err := loadPluginFixture(t, dir, "tokens/"+tc.name+".hcl")
			if err != nil {
				t.Fatalf("Load: %s", FormatDiagnostics(err))
			}
			if !reflect.DeepEqual(cfg.Store, tc.want) {
				t.Fatalf("Store = %+v (tokens %+v), want %+v (tokens %+v)", cfg.Store, cfg.Store.Tokens, tc.want, tc.want.Tokens)
			}
			if got := cfg.Store.TokenStore(); got != *tc.want.Tokens {
				t.Errorf("TokenStore() = %+v, want %+v", got, *tc.want.Tokens)
			}
		})
	}
	// Without a tokens block the store keeps all three.
	t.Setenv("REGISTRAR_TEST_PLUGIN_SECRET", "s3cret")
	t.Setenv("REGISTRAR_TEST_PLUGIN_OWNER", "alice")
	_, cfg, err := loadPluginFixture(t, dir, "valid.hcl")
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}
	if cfg.Store.Tokens != nil || cfg.Store.TokenStore() != cfg.Store {
		t.Errorf("valid.hcl: Tokens = %+v, TokenStore() = %+v", cfg.Store.Tokens, cfg.Store.TokenStore())
	}
}

func TestLoadPluginsInvalid(t *testing.T) {
	tests := []struct {
		name      string
		unset     []string // unset for the test
		line, col int
		msg       string // substring of "Summary; Detail"; "DIR" is the directory of the file
	}{
		{name: "missing_path", line: 1, col: 1, msg: `Missing plugin path; plugin "a": path, the plugin executable, is required`},
		{name: "empty_path", line: 2, col: 14, msg: `plugin "a": path must not be empty`},
		{name: "path_not_found", line: 3, col: 14, msg: `plugin "a": cannot use "DIR/bin/nope": no such file or directory`},
		{name: "path_directory", line: 3, col: 14, msg: `plugin "a": "DIR/bin/dir" is a directory, not an executable file`},
		{name: "path_not_executable", line: 3, col: 14, msg: `plugin "a": "DIR/bin/not-exec" is not executable`},
		{name: "bad_sha256", line: 3, col: 12, msg: `plugin "a": sha256 must be 64 hexadecimal characters, the SHA-256 checksum of the executable as printed by sha256sum; got 4 characters`},
		{name: "sha256_not_hex", line: 3, col: 12, msg: "sha256 must be 64 hexadecimal characters"},
		{name: "sha256_missing", line: 1, col: 1, msg: `Missing plugin checksum; plugin "a": sha256 is required`},
		{name: "sha256_missing_dev_mode_false", line: 1, col: 1, msg: "Set dev_mode = true to run it without one"},
		{name: "duplicate_plugin", line: 6, col: 8, msg: `A plugin named "a" was already defined at DIR/config.hcl:1,8-11`},
		{name: "reserved_name_rfc", line: 1, col: 8, msg: `Reserved plugin name; "rfc" is reserved`},
		{name: "reserved_name_builtin", line: 1, col: 8, msg: `Reserved plugin name; "builtin" is reserved`},
		{name: "bad_plugin_name", line: 1, col: 8, msg: `A plugin name may hold only a-z, 0-9, "_" and "-"; got "Company Policy"`},
		{name: "unknown_plugin_attribute", line: 4, col: 3, msg: `An argument named "checksum" is not expected here`},
		{name: "config_nested_block", line: 6, col: 5, msg: `Unexpected "limits" block; Blocks are not allowed here`},
		{name: "two_config_blocks", line: 7, col: 3, msg: "Duplicate config block"},
		{name: "config_env_unset", unset: []string{"REGISTRAR_TEST_UNSET"}, line: 6, col: 16, msg: `environment variable "REGISTRAR_TEST_UNSET" is not set`},
		{name: "env_var_unset", unset: []string{"REGISTRAR_TEST_UNSET"}, line: 5, col: 14, msg: `environment variable "REGISTRAR_TEST_UNSET" is not set`},
		{name: "bad_timeout", line: 4, col: 14, msg: `timeout: "2 seconds" is not a duration`},
		{name: "zero_start_timeout", line: 4, col: 19, msg: "start_timeout must be greater than zero"},
		{name: "args_not_list", line: 4, col: 14, msg: `Inappropriate value for attribute "args": list of string required`},
		{name: "tls_not_bool", line: 4, col: 14, msg: `Inappropriate value for attribute "tls": bool required`},
		{name: "env_not_map", line: 4, col: 14, msg: `Inappropriate value for attribute "env": map of string required`},
		{name: "env_bad_key", line: 6, col: 5, msg: `plugin "a": env: "A=B" is not a variable name`},
		{name: "unknown_store_plugin", line: 7, col: 12, msg: `Unknown plugin; plugin: no plugin named "mongodb" is defined (the plugins are "a")`},
		{name: "store_plugin_without_plugin", line: 6, col: 1, msg: "Missing plugin; The plugin store needs plugin, the name of a plugin block"},
		{name: "store_plugin_with_path", line: 8, col: 3, msg: `An argument named "path" is not expected here`},
		{name: "tokens_unknown_kind", line: 8, col: 10, msg: `Unsupported store kind; The kind of the tokens store must be one of "memory", "plugin", "sqlite"; got "redis"`},
		{name: "tokens_duplicate", line: 9, col: 3, msg: "Duplicate tokens block; Only one tokens block is allowed"},
		{name: "tokens_nested", line: 10, col: 5, msg: `Blocks of type "tokens" are not expected here`},
		{name: "tokens_on_sqlite_store", line: 8, col: 3, msg: `Blocks of type "tokens" are not expected here`},
		{name: "tokens_sqlite_without_path", line: 8, col: 3, msg: "Missing store path"},
		{name: "tokens_unknown_plugin", line: 9, col: 14, msg: `Unknown plugin; plugin: no plugin named "redis" is defined (the plugins are "a")`},
		{name: "unknown_processor_plugin", line: 7, col: 12, msg: `plugin: no plugin named "tenant-prefix" is defined`},
		{name: "processor_without_plugin", line: 6, col: 1, msg: "The processor block needs plugin, the name of a plugin block"},
		{name: "processor_builtin", line: 7, col: 12, msg: `no plugin named "builtin" is defined`},
		{name: "client_secret_jwt_with_processor_plugin", line: 21, col: 55,
			msg: `client_secret_jwt needs the built-in processor; client_secret_jwt needs a client secret the server can recover, which only the built-in processor can keep (sealed with secrets.encryption_key); the processor plugin "a" cannot`},
		{name: "unknown_response_plugin", line: 7, col: 12, msg: `plugin: no plugin named "extra-field" is defined`},
		{name: "duplicate_response", line: 10, col: 1, msg: "Duplicate response block"},
		{name: "unknown_validator", line: 9, col: 29, msg: `validators[2]: no plugin named "company-policy" is defined (the plugins are "a"); a validator is "rfc"`},
		{name: "validators_without_plugins", line: 5, col: 24, msg: `validators[1]: no plugin named "company-policy" is defined (there is no plugin block)`},
		{name: "duplicate_validator", line: 9, col: 29, msg: `validators[2]: "a" is listed twice`},
		{name: "empty_validators", line: 9, col: 16, msg: "validators must list at least one value"},
		// References to a plugin whose block is wrong are not reported.
		{name: "no_cascade", line: 3, col: 12, msg: "sha256 must be 64 hexadecimal characters"},
	}
	dir := pluginDir(t)
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range tt.unset {
				t.Setenv(k, "") // restores the variable after the test
				os.Unsetenv(k)
			}
			path, cfg, err := loadPluginFixture(t, dir, "invalid/"+tt.name+".hcl")
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
			checkDiag(t, diags[0], path, tt.line, tt.col, strings.ReplaceAll(tt.msg, "DIR", dir))
		})
	}
	files, err := filepath.Glob("testdata/plugins/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".hcl"); !seen[name] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

// TestSecretEncryptionNeedsBuiltinProcessor: Policy.SecretEncryption
// (client_secret_jwt, HMAC algorithms) is true only when the built-in
// processor holds secrets.encryption_key; a processor plugin gets no key,
// so with one it is false even when the key is set, and validation refuses
// what the plugin could not issue.
func TestSecretEncryptionNeedsBuiltinProcessor(t *testing.T) {
	const key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	tests := []struct {
		name      string
		processor bool
		key       bool
		want      bool
	}{
		{name: "built-in processor with a key", key: true, want: true},
		{name: "built-in processor without a key"},
		{name: "processor plugin with a key", processor: true, key: true},
		{name: "processor plugin without a key", processor: true},
	}
	dir := pluginDir(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "plugin \"a\" {\n  path = \"bin/ok\"\n  dev_mode = true\n}\nstore \"memory\" {}\n" +
				"profile \"p\" {\n  authentication {\n    anonymous = true\n  }\n}\n"
			if tt.processor {
				src += "processor {\n  plugin = \"a\"\n}\n"
			}
			if tt.key {
				src += "secrets {\n  encryption_key = \"" + key + "\"\n}\n"
			}
			cfg, err := Parse([]byte(src), filepath.Join(dir, "config.hcl"))
			if err != nil {
				t.Fatalf("Parse: %s", FormatDiagnostics(err))
			}
			if got := cfg.Profiles[0].Policy.SecretEncryption; got != tt.want {
				t.Errorf("Policy.SecretEncryption = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPluginEnvComputed checks env written as an expression that is not a
// literal object: diagnostics point at the whole expression.
func TestPluginEnvComputed(t *testing.T) {
	dir := pluginDir(t)
	src := `
plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  env      = { for k, v in { B = "2", "A" = "1" } : k => v }
}
plugin "b" {
  path     = "bin/ok"
  dev_mode = true
  env      = { for k, v in { "X=Y" = "1" } : k => v }
}
store "memory" {}
profile "p" {
  authentication {
    anonymous = true
  }
}
`
	path := filepath.Join(dir, "config.hcl")
	_, err := Parse([]byte(src), path)
	diags := diagnostics(t, err)
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1:\n%s", len(diags), FormatDiagnostics(err))
	}
	checkDiag(t, diags[0], path, 10, 14, `plugin "b": env: "X=Y" is not a variable name`)

	src = strings.Replace(src, `"X=Y"`, `Z`, 1)
	cfg, err := Parse([]byte(src), path)
	if err != nil {
		t.Fatalf("Parse: %s", FormatDiagnostics(err))
	}
	if got, want := cfg.Plugins[0].Env, []string{"A=1", "B=2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Env = %q, want %q", got, want)
	}
}

// TestLoadPluginsAllDiagnostics checks that one pass reports every
// problem of plugin blocks and references, in file order.
func TestLoadPluginsAllDiagnostics(t *testing.T) {
	dir := pluginDir(t)
	src := `
plugin "a" {
  path    = "bin/nope"
  timeout = "-1s"
}
plugin "b" {
  path     = "bin/ok"
  dev_mode = "yes"
}
store "plugin" {
  plugin = "c"
}
response {
  plugin = "d"
}
profile "p" {
  validators = ["rfc", "rfc", "b", "e"]
  authentication {
    anonymous = true
  }
}
`
	path := filepath.Join(dir, "config.hcl")
	_, err := Parse([]byte(src), path)
	want := []struct {
		line, col int
		msg       string
	}{
		{2, 1, `plugin "a": sha256 is required`},
		{3, 13, `cannot use "` + dir + `/bin/nope"`},
		{4, 13, "timeout must not be negative"},
		// dev_mode is wrong, so the missing sha256 of b is not reported.
		{8, 14, `Inappropriate value for attribute "dev_mode": bool required`},
		{11, 12, `no plugin named "c" is defined (the plugins are "a", "b")`},
		{14, 12, `no plugin named "d" is defined`},
		{17, 24, `validators[1]: "rfc" is listed twice`},
		{17, 36, `validators[3]: no plugin named "e" is defined`},
	}
	diags := diagnostics(t, err)
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(want), FormatDiagnostics(err))
	}
	for i, w := range want {
		checkDiag(t, diags[i], path, w.line, w.col, w.msg)
	}
}

func TestPluginConfigError(t *testing.T) {
	t.Setenv("REGISTRAR_TEST_PLUGIN_SECRET", "s3cret")
	t.Setenv("REGISTRAR_TEST_PLUGIN_OWNER", "alice")
	dir := pluginDir(t)
	path, cfg, err := loadPluginFixture(t, dir, "valid.hcl")
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}
	p, _ := cfg.Plugin("company-policy")
	tests := []struct {
		attribute string
		line, col int
	}{
		{"max_lifetime", 19, 5},
		{"allowed_domains", 18, 5},
		{"", 4, 1},        // the plugin block
		{"missing", 4, 1}, // not in the config block
	}
	for _, tt := range tests {
		t.Run(tt.attribute, func(t *testing.T) {
			err := p.ConfigError(tt.attribute, "must be at most 600")
			diags := diagnostics(t, err)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1", len(diags))
			}
			checkDiag(t, diags[0], path, tt.line, tt.col, `Plugin rejected its configuration; plugin "company-policy": must be at most 600`)
			if diags[0].Detail != `plugin "company-policy": must be at most 600` {
				t.Errorf("Detail = %q", diags[0].Detail)
			}
		})
	}
	err = p.ConfigError("max_lifetime", "too long")
	want := path + `:19,5-27: Plugin rejected its configuration; plugin "company-policy": too long`
	if got := FormatDiagnostics(err); got != want {
		t.Errorf("FormatDiagnostics = %s, want %s", got, want)
	}
	var diags hcl.Diagnostics
	if !errors.As(fmt.Errorf("start: %w", err), &diags) {
		t.Error("a wrapped ConfigError is not hcl.Diagnostics")
	}
}

// TestPluginSecretsNeverInDiagnostics feeds secrets through env() into
// env and config, next to mistakes, and checks that no diagnostic shows
// them.
func TestPluginSecretsNeverInDiagnostics(t *testing.T) {
	const secret = "mongodb://user:pa55w0rd@db.example.com"
	t.Setenv("REGISTRAR_TEST_PLUGIN_SECRET", secret)
	dir := pluginDir(t)
	src := `
plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  env = {
    "DB=URL" = env("REGISTRAR_TEST_PLUGIN_SECRET")
    OTHER    = [env("REGISTRAR_TEST_PLUGIN_SECRET")]
  }
  config {
    url   = env("REGISTRAR_TEST_PLUGIN_SECRET")
    count = env("REGISTRAR_TEST_PLUGIN_SECRET") + 1
  }
}
plugin "b" {
  path     = "bin/ok"
  dev_mode = true
  env = {
    "DB=URL" = env("REGISTRAR_TEST_PLUGIN_SECRET")
  }
}
store "memory" {}
profile "p" {
  authentication {
    anonymous = true
  }
}
`
	_, err := Parse([]byte(src), filepath.Join(dir, "config.hcl"))
	diags := diagnostics(t, err)
	if len(diags) != 3 {
		t.Errorf("got %d diagnostics, want 3:\n%s", len(diags), FormatDiagnostics(err))
	}
	rendered := []string{err.Error(), FormatDiagnostics(err)}
	for _, d := range diags {
		rendered = append(rendered, d.Summary, d.Detail, d.Error())
	}
	for _, r := range rendered {
		if strings.Contains(r, "pa55w0rd") {
			t.Errorf("diagnostics reveal the secret:\n%s", r)
		}
	}
}

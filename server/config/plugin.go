package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Defaults of the plugin block.
const (
	defaultPluginTimeout      = 2 * time.Second
	defaultPluginStartTimeout = 10 * time.Second
)

// reservedPluginNames may not label a plugin block: "rfc" is the built-in
// validator in validators, and "builtin" is kept for the built-in
// implementations.
var reservedPluginNames = []string{BuiltinValidator, "builtin"}

// sha256RE is a hex SHA-256 checksum, in either case.
var sha256RE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// Schemas of a plugin block and of the blocks that refer to a plugin.
var (
	pluginSchema = schema([]string{
		"path", "sha256", "dev_mode", "args",
		"timeout", "start_timeout", "optional", "tls", "env",
	}, hcl.BlockHeaderSchema{Type: "config"})
	// pluginRefSchema is the body of store "plugin", processor and
	// response.
	pluginRefSchema = schema([]string{"plugin"})
)

// decodePlugins decodes every plugin block, in file order, and records
// every label in d.plugins (even a wrong one, so that a reference to it
// is not reported as well).
func (d *decoder) decodePlugins(blocks hcl.Blocks) []Plugin {
	d.plugins = map[string]bool{}
	first := map[string]hcl.Range{}
	var out []Plugin
	for _, block := range blocks {
		name, nameRange := block.Labels[0], block.LabelRanges[0]
		switch at, dup := first[name]; {
		case !nameRE.MatchString(name):
			d.errorf(nameRange, "Invalid plugin name",
				"A plugin name may hold only a-z, 0-9, \"_\" and \"-\"; got %q.", name)
		case slices.Contains(reservedPluginNames, name):
			d.errorf(nameRange, "Reserved plugin name",
				"%q is reserved for the built-in implementation; give the plugin another name.", name)
		case dup:
			d.errorf(nameRange, "Duplicate plugin",
				"A plugin named %q was already defined at %s.", name, at)
		default:
			first[name] = nameRange
		}
		d.plugins[name] = true
		out = append(out, d.decodePlugin(block))
	}
	return out
}

// decodePlugin decodes one plugin block.
func (d *decoder) decodePlugin(block *hcl.Block) Plugin {
	p := Plugin{
		Name:         block.Labels[0],
		Env:          []string{},
		Timeout:      defaultPluginTimeout,
		StartTimeout: defaultPluginStartTimeout,
		Config:       []byte("{}"),
		ConfigAttrs:  map[string]hcl.Range{},
		Range:        block.DefRange,
	}
	c := d.content(block, pluginSchema)
	a := c.Attributes

	d.pluginPath(block, a["path"], &p)

	devState := d.boolean(a["dev_mode"], &p.DevMode)
	var sum string
	switch d.str(a["sha256"], &sum) {
	case absent:
		if devState == absent || (devState == set && !p.DevMode) {
			d.errorf(block.DefRange, "Missing plugin checksum",
				"plugin %q: sha256 is required: the SHA-256 checksum of the executable (as printed by sha256sum), checked before the plugin runs. Set dev_mode = true to run it without one, during development only.", p.Name)
		}
	case set:
		if !sha256RE.MatchString(sum) {
			d.errorf(a["sha256"].Expr.Range(), "Invalid sha256",
				"plugin %q: sha256 must be 64 hexadecimal characters, the SHA-256 checksum of the executable as printed by sha256sum; got %d characters.", p.Name, len(sum))
			break
		}
		p.SHA256 = strings.ToLower(sum)
		p.SHA256Range = a["sha256"].Expr.Range()
	}

	if args, st := d.list(a["args"]); st == set {
		ok := true
		for i, arg := range args {
			if strings.ContainsRune(arg.value, 0) {
				d.errorf(arg.rng, "Invalid args", "plugin %q: args[%d] must not contain a NUL character.", p.Name, i)
				ok = false
			}
		}
		if ok {
			p.Args = values(args)
		}
	}

	d.duration(a["timeout"], &p.Timeout, true, false)
	d.duration(a["start_timeout"], &p.StartTimeout, true, false)
	d.boolean(a["optional"], &p.Optional)
	tls := true
	d.boolean(a["tls"], &tls)
	p.DisableMTLS = !tls
	if env, ok := d.pluginEnv(p.Name, a["env"]); ok {
		p.Env = env
	}
	if cb := d.single(c.Blocks.OfType("config")); cb != nil {
		d.pluginConfig(p.Name, cb, &p)
	}
	return p
}

// pluginPath decodes path, which is required, into p.Path: relative to
// the configuration file, an existing regular file that may be executed.
func (d *decoder) pluginPath(block *hcl.Block, attr *hcl.Attribute, p *Plugin) {
	var path string
	switch d.str(attr, &path) {
	case absent:
		d.errorf(block.DefRange, "Missing plugin path",
			"plugin %q: path, the plugin executable, is required; for example path = \"bin/plugins/%s\".", p.Name, p.Name)
		return
	case invalid:
		return
	}
	rng := attr.Expr.Range()
	if path == "" {
		d.errorf(rng, "Invalid plugin path", "plugin %q: path must not be empty.", p.Name)
		return
	}
	abs, err := d.abs(path)
	if err != nil {
		d.errorf(rng, "Invalid plugin path", "plugin %q: path cannot be made absolute: %v.", p.Name, err)
		return
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		d.errorf(rng, "Invalid plugin path", "plugin %q: cannot use %q: %v.", p.Name, abs, err)
		return
	case fi.IsDir():
		d.errorf(rng, "Invalid plugin path", "plugin %q: %q is a directory, not an executable file.", p.Name, abs)
		return
	case !fi.Mode().IsRegular():
		d.errorf(rng, "Invalid plugin path", "plugin %q: %q is not a regular file.", p.Name, abs)
		return
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0:
		d.errorf(rng, "Invalid plugin path", "plugin %q: %q is not executable (chmod +x).", p.Name, abs)
		return
	}
	p.Path = abs
}

// pluginEnv decodes env, a map of strings, into "KEY=value" sorted by
// key. Its diagnostics never contain a value.
func (d *decoder) pluginEnv(name string, attr *hcl.Attribute) ([]string, bool) {
	v, st := d.eval(attr, cty.Map(cty.String), "map of string")
	if st != set {
		return nil, false
	}
	// Diagnostics about a key point at it when env is a literal object.
	keyRange := map[string]hcl.Range{}
	if pairs, diags := hcl.ExprMap(attr.Expr); !diags.HasErrors() {
		for _, kv := range pairs {
			if k, diags := kv.Key.Value(d.ctx); !diags.HasErrors() && k.Type() == cty.String && k.IsKnown() && !k.IsNull() {
				keyRange[k.AsString()] = kv.Key.Range()
			}
		}
	}
	at := func(key string) hcl.Range {
		if rng, ok := keyRange[key]; ok {
			return rng
		}
		return attr.Expr.Range()
	}
	env := v.AsValueMap()
	ok := true
	for _, key := range slices.Sorted(maps.Keys(env)) {
		switch val := env[key]; {
		case key == "" || strings.ContainsAny(key, "=\x00"):
			d.errorf(at(key), "Invalid env", "plugin %q: env: %q is not a variable name; a name must be non-empty and hold neither \"=\" nor NUL.", name, key)
			ok = false
		case val.IsNull():
			d.errorf(at(key), "Invalid env", "plugin %q: env.%s must not be null.", name, key)
			ok = false
		case strings.ContainsRune(val.AsString(), 0):
			d.errorf(at(key), "Invalid env", "plugin %q: env.%s must not contain a NUL character.", name, key)
			ok = false
		}
	}
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(env))
	for _, key := range slices.Sorted(maps.Keys(env)) {
		out = append(out, key+"="+env[key].AsString())
	}
	return out, true
}

// pluginConfig decodes the config block: any attributes, no blocks,
// evaluated and sent to the plugin as one JSON object.
func (d *decoder) pluginConfig(name string, block *hcl.Block, p *Plugin) {
	attrs, diags := block.Body.JustAttributes()
	d.diags = append(d.diags, diags...)
	ok := !diags.HasErrors()
	vals := make(map[string]cty.Value, len(attrs))
	rngs := make(map[string]hcl.Range, len(attrs))
	for attrName, attr := range attrs {
		v, diags := attr.Expr.Value(d.ctx)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			ok = false
			continue
		}
		if !v.IsWhollyKnown() { // not possible without variables; be safe
			d.errorf(attr.Expr.Range(), "Invalid value", "plugin %q: config.%s must be known when the configuration is loaded.", name, attrName)
			ok = false
			continue
		}
		vals[attrName] = v
		rngs[attrName] = attr.Range
	}
	if !ok {
		return
	}
	obj := cty.ObjectVal(vals)
	js, err := ctyjson.Marshal(obj, obj.Type())
	if err != nil {
		// The error names a path in the value, never the value itself.
		d.errorf(block.DefRange, "Invalid plugin config", "plugin %q: the config block cannot be written as JSON: %v.", name, err)
		return
	}
	p.Config = js
	p.ConfigAttrs = rngs
}

// decodePluginRef decodes the plugin attribute of block (store "plugin",
// processor or response) and returns the plugin's name; "" when it is
// missing or wrong. missing is the detail of the diagnostic when the
// attribute is not written.
func (d *decoder) decodePluginRef(block *hcl.Block, c *hcl.BodyContent, missing string) string {
	attr := c.Attributes["plugin"]
	var name string
	switch d.str(attr, &name) {
	case absent:
		d.errorf(block.DefRange, "Missing plugin", "%s", missing)
	case set:
		if d.pluginRef(attr.Expr.Range(), "plugin", name) {
			return name
		}
	}
	return ""
}

// decodeOptionalPluginRef decodes processor or response (block is nil
// when it is absent): the name of the plugin to use, "" for the built-in.
func (d *decoder) decodeOptionalPluginRef(block *hcl.Block) string {
	if block == nil {
		return ""
	}
	return d.decodePluginRef(block, d.content(block, pluginRefSchema),
		fmt.Sprintf("The %s block needs plugin, the name of a plugin block; for example plugin = \"my-%s\". Remove the block to use the built-in %s.",
			block.Type, block.Type, block.Type))
}

// pluginRef reports whether name, written at rng as the value of what,
// is the label of a plugin block, and records an error if not.
func (d *decoder) pluginRef(rng hcl.Range, what, name string) bool {
	if problem := d.pluginProblem(name); problem != "" {
		d.errorf(rng, "Unknown plugin", "%s: %s.", what, problem)
		return false
	}
	return true
}

// pluginProblem says why name is not the label of a plugin block, or "".
func (d *decoder) pluginProblem(name string) string {
	if d.plugins[name] {
		return ""
	}
	defined := "there is no plugin block"
	if len(d.plugins) > 0 {
		defined = "the plugins are " + quoteList(slices.Sorted(maps.Keys(d.plugins)))
	}
	return fmt.Sprintf("no plugin named %q is defined (%s)", name, defined)
}

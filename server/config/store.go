package config

import (
	"maps"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// storeKind is how one kind of store block is decoded: the schema of its
// body and the function that turns the body into a Store.
type storeKind struct {
	schema *hcl.BodySchema
	decode func(d *decoder, block *hcl.Block, c *hcl.BodyContent) Store
}

// storeKinds maps the label of a store block to its kind. To add a kind,
// add an entry and the Store fields it needs. The store kinds decode after
// the plugin blocks, so that store "plugin" can check its reference.
var storeKinds = map[string]storeKind{
	StoreSQLite: {schema([]string{"path"}), (*decoder).decodeSQLiteStore},
	StoreMemory: {schema(nil), func(*decoder, *hcl.Block, *hcl.BodyContent) Store {
		return Store{Kind: StoreMemory}
	}},
	StorePlugin: {storePluginSchema, func(d *decoder, block *hcl.Block, c *hcl.BodyContent) Store {
		return Store{Kind: StorePlugin, Plugin: d.decodePluginRef(block, c,
			"The plugin store needs plugin, the name of a plugin block; for example plugin = \"mongodb\".")}
	}},
}

// storePluginSchema is the body of store "plugin": the plugin, and an
// optional tokens block, a store of another kind for the initial access
// tokens and jtis the plugin does not keep.
var storePluginSchema = schema([]string{"plugin"}, hcl.BlockHeaderSchema{Type: "tokens", LabelNames: []string{"kind"}})

// decodeTokensStore decodes the tokens "KIND" { ... } block of store
// "plugin", if any, as a store block of that kind (without a tokens block of
// its own): the store that keeps the initial access tokens and
// software-statement jtis instead of the plugin.
func (d *decoder) decodeTokensStore(c *hcl.BodyContent) *Store {
	tb := d.single(c.Blocks.OfType("tokens"))
	if tb == nil {
		return nil
	}
	kind, ok := storeKinds[tb.Labels[0]]
	if !ok {
		d.errorf(tb.LabelRanges[0], "Unsupported store kind",
			"The kind of the tokens store must be one of %s; got %q.", quoteList(slices.Sorted(maps.Keys(storeKinds))), tb.Labels[0])
		return nil
	}
	body := kind.schema
	if tb.Labels[0] == StorePlugin {
		body = pluginRefSchema // no tokens block in a tokens block
	}
	tokens := kind.decode(d, tb, d.bodyContent(tb.Body, body))
	return &tokens
}

// decodeStores checks that there is exactly one store block and decodes
// it. missing is where to report its absence.
func (d *decoder) decodeStores(blocks hcl.Blocks, missing hcl.Range) Store {
	if len(blocks) == 0 {
		d.errorf(missing, "Missing store block",
			"A store block is required, for example: store \"sqlite\" { path = \"data/registrar.db\" }.")
		return Store{}
	}
	block := d.single(blocks)
	kind, ok := storeKinds[block.Labels[0]]
	if !ok {
		d.errorf(block.LabelRanges[0], "Unsupported store kind",
			"The store kind must be one of %s; got %q.", quoteList(slices.Sorted(maps.Keys(storeKinds))), block.Labels[0])
		return Store{}
	}
	c := d.bodyContent(block.Body, kind.schema)
	s := kind.decode(d, block, c)
	if s.Kind == StorePlugin {
		s.Tokens = d.decodeTokensStore(c)
	}
	return s
}

// decodeSQLiteStore decodes store "sqlite": path, the database file,
// relative to the configuration file, is required.
func (d *decoder) decodeSQLiteStore(block *hcl.Block, c *hcl.BodyContent) Store {
	s := Store{Kind: StoreSQLite}
	attr := c.Attributes["path"]
	var p string
	switch d.str(attr, &p) {
	case absent:
		d.errorf(block.DefRange, "Missing store path",
			"The sqlite store needs path, the database file; for example path = \"data/registrar.db\".")
	case set:
		if p == "" {
			d.errorf(attr.Expr.Range(), "Invalid path", "path must not be empty.")
			break
		}
		abs, err := d.abs(p)
		if err != nil {
			d.errorf(attr.Expr.Range(), "Invalid path", "path cannot be made absolute: %v.", err)
			break
		}
		s.Path = abs
	}
	return s
}

// abs resolves p against the configuration file's directory.
func (d *decoder) abs(p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	return filepath.Abs(p)
}

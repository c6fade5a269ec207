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
	StorePlugin: {pluginRefSchema, func(d *decoder, block *hcl.Block, c *hcl.BodyContent) Store {
		return Store{Kind: StorePlugin, Plugin: d.decodePluginRef(block, c,
			"The plugin store needs plugin, the name of a plugin block; for example plugin = \"mongodb\".")}
	}},
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
	return kind.decode(d, block, d.bodyContent(block.Body, kind.schema))
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

package config

import (
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Upstream kinds of Upstream.Kind.
const (
	// UpstreamPlugin provisions through a plugin serving the upstream kind.
	UpstreamPlugin = "plugin"
)

// DefaultReconcileGrace is Upstream.ReconcileGrace when reconcile_grace is
// not written.
const DefaultReconcileGrace = 5 * time.Minute

// Upstream is the authorization server every registered client is
// provisioned into (block upstream "KIND"): each create, update and delete
// answered with success has reached it (sdk.Upstream).
type Upstream struct {
	// Kind is UpstreamPlugin.
	Kind string
	// Plugin is the name of the plugin (in Config.Plugins) that serves the
	// upstream when Kind is UpstreamPlugin; empty for other kinds.
	Plugin string
	// ReconcileInterval is the period of the reconciler that repairs what
	// a crash between the upstream's write and the store's leaves; 0 (the
	// default) runs none: `registrar reconcile` does it on demand.
	ReconcileInterval time.Duration
	// ReconcileGrace is the age below which reconciliation leaves an
	// upstream client without a local record alone, since its
	// registration may be in flight; DefaultReconcileGrace unless written.
	ReconcileGrace time.Duration
}

// upstreamKind is how one kind of upstream block is decoded: the
// attributes of its own (besides the reconcile ones every kind has) and the
// function that fills them in.
type upstreamKind struct {
	attrs  []string
	decode func(d *decoder, block *hcl.Block, c *hcl.BodyContent, u *Upstream)
}

// upstreamKinds maps the label of an upstream block to its kind. To add a
// built-in kind, add an entry and the Upstream fields it needs. The upstream
// decodes after the plugin blocks, so that upstream "plugin" can check its
// reference.
var upstreamKinds = map[string]upstreamKind{
	UpstreamPlugin: {[]string{"plugin"}, func(d *decoder, block *hcl.Block, c *hcl.BodyContent, u *Upstream) {
		u.Plugin = d.decodePluginRef(block, c,
			"The plugin upstream needs plugin, the name of a plugin block; for example plugin = \"hydra\".")
	}},
}

// decodeUpstreams decodes the upstream block, of which there is at most
// one; nil when there is none.
func (d *decoder) decodeUpstreams(blocks hcl.Blocks) *Upstream {
	block := d.single(blocks)
	if block == nil {
		return nil
	}
	kind, ok := upstreamKinds[block.Labels[0]]
	if !ok {
		d.errorf(block.LabelRanges[0], "Unsupported upstream kind",
			"The upstream kind must be one of %s; got %q.", quoteList(slices.Sorted(maps.Keys(upstreamKinds))), block.Labels[0])
		return nil
	}
	c := d.bodyContent(block.Body, schema(append(slices.Clone(kind.attrs), "reconcile_interval", "reconcile_grace")))
	u := &Upstream{Kind: block.Labels[0], ReconcileGrace: DefaultReconcileGrace}
	kind.decode(d, block, c, u)
	d.duration(c.Attributes["reconcile_interval"], &u.ReconcileInterval, false, false)
	d.duration(c.Attributes["reconcile_grace"], &u.ReconcileGrace, false, false)
	if a := c.Attributes["reconcile_grace"]; a != nil && u.ReconcileInterval > 0 && u.ReconcileGrace < MinPeriodicGrace {
		d.errorf(a.Expr.Range(), "Grace period too short",
			"With reconcile_interval set, reconcile_grace must be at least %s: the periodic reconciler would otherwise "+
				"delete the authorization server's client of a registration still between its two writes.", MinPeriodicGrace)
	}
	return u
}

// MinPeriodicGrace is the least reconcile_grace of a periodic reconciler:
// longer than any registration's two writes take.
const MinPeriodicGrace = time.Minute

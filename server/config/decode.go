package config

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// decoder turns attributes into Go values and collects diagnostics. It
// never stops at the first problem: every helper records what is wrong
// and reports whether the value it produced may be validated further, so
// that one mistake does not cause a cascade of unrelated diagnostics.
type decoder struct {
	ctx   *hcl.EvalContext
	dir   string // directory of the configuration file
	diags hcl.Diagnostics
	// plugins holds the label of every plugin block, even a wrong one, so
	// that references to plugins can be checked without a cascade.
	plugins map[string]bool
}

// schema builds a body schema of optional attributes and the given
// blocks.
func schema(attrs []string, blocks ...hcl.BlockHeaderSchema) *hcl.BodySchema {
	s := &hcl.BodySchema{Blocks: blocks}
	for _, a := range attrs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a})
	}
	return s
}

// content decodes the body of block against s; unknown attributes and
// blocks and missing required attributes are errors. A nil block (one
// that is not written) has empty content.
func (d *decoder) content(block *hcl.Block, s *hcl.BodySchema) *hcl.BodyContent {
	if block == nil {
		return &hcl.BodyContent{Attributes: hcl.Attributes{}}
	}
	return d.bodyContent(block.Body, s)
}

func (d *decoder) bodyContent(body hcl.Body, s *hcl.BodySchema) *hcl.BodyContent {
	c, diags := body.Content(s)
	d.diags = append(d.diags, diags...)
	if c == nil {
		c = &hcl.BodyContent{}
	}
	if c.Attributes == nil {
		c.Attributes = hcl.Attributes{}
	}
	return c
}

// single returns the one block of blocks, or nil when there is none; it
// reports every block after the first.
func (d *decoder) single(blocks hcl.Blocks) *hcl.Block {
	if len(blocks) == 0 {
		return nil
	}
	for _, extra := range blocks[1:] {
		d.errorf(extra.DefRange, fmt.Sprintf("Duplicate %s block", extra.Type),
			"Only one %s block is allowed. Another was defined at %s.", extra.Type, blocks[0].DefRange)
	}
	return blocks[0]
}

// state is the outcome of decoding one attribute.
type state int

const (
	// absent: the attribute is not written (or is null); the default stays.
	absent state = iota
	// set: the attribute is written and decoded into the target.
	set
	// invalid: the attribute is written but wrong; a diagnostic was
	// recorded and the target holds the default.
	invalid
)

// errorf records an error diagnostic about rng.
func (d *decoder) errorf(rng hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	})
}

// eval evaluates attr and converts it to ty. A nil attribute or a null
// value is absent.
func (d *decoder) eval(attr *hcl.Attribute, ty cty.Type, what string) (cty.Value, state) {
	if attr == nil {
		return cty.NilVal, absent
	}
	return d.evalExpr(attr.Expr, attr.Name, ty, what)
}

func (d *decoder) evalExpr(expr hcl.Expression, name string, ty cty.Type, what string) (cty.Value, state) {
	v, diags := expr.Value(d.ctx)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, invalid
	}
	if v.IsNull() {
		return cty.NilVal, absent
	}
	if !v.IsWhollyKnown() { // not possible without variables; be safe
		d.errorf(expr.Range(), "Invalid value", "%s: the value must be known when the configuration is loaded.", name)
		return cty.NilVal, invalid
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		// The conversion error does not echo the value, which may be a
		// secret read with env() or file().
		d.errorf(expr.Range(), "Incorrect attribute value type",
			"Inappropriate value for attribute %q: %s required.", name, what)
		return cty.NilVal, invalid
	}
	return cv, set
}

// str decodes a string attribute into dst.
func (d *decoder) str(attr *hcl.Attribute, dst *string) state {
	v, st := d.eval(attr, cty.String, "string")
	if st == set {
		*dst = v.AsString()
	}
	return st
}

// boolean decodes a bool attribute into dst.
func (d *decoder) boolean(attr *hcl.Attribute, dst *bool) state {
	v, st := d.eval(attr, cty.Bool, "bool")
	if st == set {
		*dst = v.True()
	}
	return st
}

// integer decodes a whole-number attribute within [lo, hi] into dst.
func (d *decoder) integer(attr *hcl.Attribute, dst *int64, lo, hi int64) state {
	v, st := d.eval(attr, cty.Number, "number")
	if st != set {
		return st
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		d.errorf(attr.Expr.Range(), "Invalid "+attr.Name, "%s must be a whole number.", attr.Name)
		return invalid
	}
	n, acc := bf.Int64()
	if acc != big.Exact || n < lo || n > hi {
		d.errorf(attr.Expr.Range(), "Invalid "+attr.Name,
			"%s must be between %d and %d; got %s.", attr.Name, lo, hi, bf.Text('f', -1))
		return invalid
	}
	*dst = n
	return set
}

// duration decodes a Go duration string ("10s", "1h30m") into dst. With
// positive, the value must be > 0; otherwise >= 0. With whole, it must be
// a whole number of seconds (for values that end up in seconds on the
// wire).
func (d *decoder) duration(attr *hcl.Attribute, dst *time.Duration, positive, whole bool) state {
	var s string
	st := d.str(attr, &s)
	if st != set {
		return st
	}
	rng := attr.Expr.Range()
	v, err := time.ParseDuration(s)
	if err != nil {
		d.errorf(rng, "Invalid duration",
			"%s: %q is not a duration; write a number with a unit, such as \"10s\", \"5m\" or \"24h\".", attr.Name, s)
		return invalid
	}
	switch {
	case v < 0:
		d.errorf(rng, "Invalid duration", "%s must not be negative; got %q.", attr.Name, s)
		return invalid
	case positive && v == 0:
		d.errorf(rng, "Invalid duration", "%s must be greater than zero.", attr.Name)
		return invalid
	case whole && v%time.Second != 0:
		d.errorf(rng, "Invalid duration", "%s must be a whole number of seconds; got %q.", attr.Name, s)
		return invalid
	}
	*dst = v
	return set
}

// oneOf decodes a string attribute that must be one of allowed.
func (d *decoder) oneOf(attr *hcl.Attribute, dst *string, allowed ...string) state {
	var s string
	st := d.str(attr, &s)
	if st != set {
		return st
	}
	if !slices.Contains(allowed, s) {
		d.errorf(attr.Expr.Range(), "Invalid "+attr.Name,
			"%s must be one of %s; got %q.", attr.Name, quoteList(allowed), s)
		return invalid
	}
	*dst = s
	return set
}

// element is one string of a list attribute with the range that
// diagnostics about it point at.
type element struct {
	value string
	rng   hcl.Range
}

// list decodes a list-of-strings attribute. When the attribute is a
// literal list, each element carries its own range, so diagnostics point
// at the offending element; otherwise every element carries the range of
// the whole expression.
func (d *decoder) list(attr *hcl.Attribute) ([]element, state) {
	if attr == nil {
		return nil, absent
	}
	if exprs, diags := hcl.ExprList(attr.Expr); !diags.HasErrors() {
		out := make([]element, 0, len(exprs))
		st := set
		for i, e := range exprs {
			v, est := d.evalExpr(e, fmt.Sprintf("%s[%d]", attr.Name, i), cty.String, "string")
			switch est {
			case set:
				out = append(out, element{v.AsString(), e.Range()})
			case absent:
				d.errorf(e.Range(), "Invalid "+attr.Name, "%s[%d] must not be null.", attr.Name, i)
				st = invalid
			default:
				st = invalid
			}
		}
		return out, st
	}
	v, st := d.eval(attr, cty.List(cty.String), "list of string")
	if st != set {
		return nil, st
	}
	rng := attr.Expr.Range()
	out := make([]element, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		i, ev := it.Element()
		if ev.IsNull() {
			d.errorf(rng, "Invalid "+attr.Name, "%s[%s] must not be null.", attr.Name, i.AsBigFloat().Text('f', 0))
			return nil, invalid
		}
		out = append(out, element{ev.AsString(), rng})
	}
	return out, set
}

// values returns the strings of elems.
func values(elems []element) []string {
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = e.value
	}
	return out
}

// quoteList renders ss as "a", "b", "c".
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// number decodes a number attribute into dst.
func (d *decoder) number(attr *hcl.Attribute, dst *float64) state {
	v, st := d.eval(attr, cty.Number, "number")
	if st == set {
		*dst, _ = v.AsBigFloat().Float64()
	}
	return st
}

package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/registrar-dcr/registrar/sdk"
)

// Normalize returns a deep copy of c in a canonical form, so that two records
// holding the same data compare equal with reflect.DeepEqual whatever
// encoding they travelled through. It forgets only what encodings do not
// keep:
//
//   - an empty list, map or byte string becomes nil (the JSON form of a
//     Metadata omits both);
//   - raw JSON (Metadata.JWKS and each Extensions value) is re-encoded with
//     sorted object members, no insignificant whitespace, no HTML escaping,
//     and non-integer numbers in shortest float64 form; integer literals are
//     kept digit for digit, so a store that rounds a large integer through a
//     float64 still fails.
//
// Normalize keeps the difference between a nil pointer and a pointer to 0 or
// false: that difference is data.
func Normalize(c sdk.Client) sdk.Client {
	c = c.Clone()
	if len(c.SecretSealed) == 0 {
		c.SecretSealed = nil
	}
	v := reflect.ValueOf(&c.Metadata).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if (f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.Len() == 0 {
			f.SetZero()
		}
	}
	if c.Metadata.JWKS != nil {
		c.Metadata.JWKS = canonicalJSON(c.Metadata.JWKS)
	}
	for k, raw := range c.Metadata.Extensions {
		c.Metadata.Extensions[k] = canonicalJSON(raw)
	}
	return c
}

// Equal reports whether a and b hold the same record after Normalize.
func Equal(a, b sdk.Client) bool {
	return reflect.DeepEqual(Normalize(a), Normalize(b))
}

// Diff describes how got differs from want after Normalize, one line per
// differing field ("Metadata.DefaultMaxAge: want 0, got <nil>"), or returns
// "" when they are equal.
func Diff(want, got sdk.Client) string {
	w, g := Normalize(want), Normalize(got)
	var lines []string
	diffValue(&lines, "", reflect.ValueOf(w), reflect.ValueOf(g))
	if len(lines) == 0 && !reflect.DeepEqual(w, g) {
		lines = append(lines, fmt.Sprintf("records differ: want %+v, got %+v", w, g))
	}
	return strings.Join(lines, "\n")
}

func diffValue(lines *[]string, path string, w, g reflect.Value) {
	if w.Kind() == reflect.Struct {
		t := w.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			name := t.Field(i).Name
			if path != "" {
				name = path + "." + name
			}
			diffValue(lines, name, w.Field(i), g.Field(i))
		}
		return
	}
	if reflect.DeepEqual(w.Interface(), g.Interface()) {
		return
	}
	*lines = append(*lines, fmt.Sprintf("%s: want %s, got %s", path, show(w), show(g)))
}

// show prints a field value readably: pointers dereferenced, raw JSON and
// byte strings as text, maps in key order.
func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "<nil>"
		}
		return show(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return "<nil>"
		}
		if raw, ok := v.Interface().(json.RawMessage); ok {
			return string(raw)
		}
		if b, ok := v.Interface().([]byte); ok {
			return fmt.Sprintf("%x", b)
		}
	case reflect.Map:
		if v.IsNil() {
			return "<nil>"
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: %s", k, show(v.MapIndex(reflect.ValueOf(k))))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.String:
		return strconv.Quote(v.String())
	}
	return fmt.Sprintf("%v", v.Interface())
}

// canonicalJSON re-encodes raw JSON canonically (see Normalize). Text that
// is not valid JSON is returned unchanged, so it compares byte for byte.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return append(json.RawMessage(nil), raw...)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(canonicalNumbers(v)); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func canonicalNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = canonicalNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = canonicalNumbers(e)
		}
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			return x
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return x
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return v
}

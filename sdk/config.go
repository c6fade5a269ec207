package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// ConfigError rejects one attribute of a plugin's configuration, the
// plugin's config block in the server's HCL file. A plugin returns it
// (possibly wrapped) from its configure function; it crosses the plugin wire
// unchanged, and the server reports it at the line of Attribute in its
// configuration file. sdk/plugin.ConfigError is the same type.
type ConfigError struct {
	// Attribute is the name of the rejected attribute of the config block,
	// a top-level one (problems inside an object attribute name it and say
	// where in Message); empty when the error concerns the whole block.
	Attribute string
	// Message says what is wrong, for the operator. It must not contain a
	// secret of the configuration.
	Message string
}

// Error implements error.
func (e *ConfigError) Error() string {
	if e.Attribute == "" {
		return "invalid plugin configuration: " + e.Message
	}
	return "invalid plugin configuration: " + e.Attribute + ": " + e.Message
}

// DecodeConfig decodes a plugin's config block, the JSON object the server
// sends (nil or empty means {}), into a T, a struct whose exported fields
// carry json tags naming the attributes:
//
//	type config struct {
//		AllowedDomains []string `json:"allowed_domains"`
//		MaxLifetime    int64    `json:"max_lifetime"`
//	}
//
// Decoding follows encoding/json (a field may have its own UnmarshalJSON;
// a json.RawMessage field takes any value), with three differences that
// make a mistake in the HCL file an error that points at its line:
//
//   - an attribute that T does not name, at the top level or inside a nested
//     struct (also in a list or a map), is refused instead of ignored; names
//     match exactly, not case-insensitively;
//   - every refusal is a *ConfigError whose Attribute is the top-level
//     attribute concerned ("" when the block is not an object), and whose
//     Message says what was expected ("must be a whole number");
//   - attributes are decoded in the order of their names, so the first
//     refusal is the same on every run.
//
// An absent attribute and one set to null leave the field as it is in the
// zero T: a required attribute, a range or a default is the plugin's to
// check after decoding, returning a *ConfigError that names it. T that is
// not a struct is a programming error, reported as a plain error.
func DecodeConfig[T any](raw []byte) (T, error) {
	var cfg, zero T
	rt := reflect.TypeFor[T]()
	if rt.Kind() != reflect.Struct {
		return zero, fmt.Errorf("sdk.DecodeConfig: %s is not a struct type", rt)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return zero, &ConfigError{Message: "the config block must be an object"}
	}
	known := configAttributes(rt)
	names := slices.Sorted(maps.Keys(attrs))
	for _, name := range names {
		if !slices.Contains(known, name) {
			takes := "no attributes"
			if len(known) > 0 {
				takes = strings.Join(known, ", ")
			}
			return zero, &ConfigError{Attribute: name, Message: "unknown attribute (this plugin takes " + takes + ")"}
		}
	}
	for _, name := range names {
		if bytes.Equal(bytes.TrimSpace(attrs[name]), []byte("null")) {
			continue // absent, even for a field with its own UnmarshalJSON
		}
		if msg := unknownNested(field(rt, name), attrs[name], ""); msg != "" {
			return zero, &ConfigError{Attribute: name, Message: msg}
		}
		// One attribute at a time, so that an error is the attribute's.
		one, err := json.Marshal(map[string]json.RawMessage{name: attrs[name]})
		if err != nil {
			return zero, &ConfigError{Attribute: name, Message: "is not valid JSON"}
		}
		dec := json.NewDecoder(bytes.NewReader(one))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return zero, &ConfigError{Attribute: name, Message: decodeProblem(name, err)}
		}
	}
	return cfg, nil
}

// configAttributes returns the attribute names of struct type t, as
// encoding/json names its fields: the json tag's name, else the field's;
// "-" skips a field, and an untagged embedded struct lends its fields.
func configAttributes(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			names = append(names, configAttributes(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// field returns the type of the field of struct type t that encoding/json
// fills from attribute name (configAttributes lists the names), or nil.
func field(t reflect.Type, name string) reflect.Type {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		n, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && n == "" && ft.Kind() == reflect.Struct {
			if inner := field(ft, name); inner != nil {
				return inner
			}
			continue
		}
		if n == "" {
			n = f.Name
		}
		if f.IsExported() && n == name {
			return f.Type
		}
	}
	return nil
}

// unknownNested returns why raw, a value for type t, holds an object
// member that t does not name exactly (encoding/json would match it
// case-insensitively, or DisallowUnknownFields would refuse it without
// saying where), or "". path is where raw is, for the message. A type with
// its own UnmarshalJSON makes its own rules.
func unknownNested(t reflect.Type, raw json.RawMessage, path string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		return ""
	}
	at := func(p string) string {
		if path == "" {
			return p
		}
		if strings.HasPrefix(p, "[") {
			return path + p
		}
		return path + "." + p
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			return "" // not an object: the decoder says what it must be
		}
		known := configAttributes(t)
		for _, name := range slices.Sorted(maps.Keys(members)) {
			if !slices.Contains(known, name) {
				return fmt.Sprintf("%s: unknown attribute (takes %s)", at(name), strings.Join(known, ", "))
			}
			if msg := unknownNested(field(t, name), members[name], at(name)); msg != "" {
				return msg
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return ""
		}
		for i, item := range items {
			if msg := unknownNested(t.Elem(), item, at(fmt.Sprintf("[%d]", i))); msg != "" {
				return msg
			}
		}
	case reflect.Map:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			return ""
		}
		for _, key := range slices.Sorted(maps.Keys(members)) {
			if msg := unknownNested(t.Elem(), members[key], at(key)); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// decodeProblem turns an encoding/json error about attribute name into a
// message for the operator.
func decodeProblem(name string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg := "must be " + article(typeNoun(te.Type))
		if inner, ok := strings.CutPrefix(te.Field, name+"."); ok && inner != "" {
			msg = inner + ": " + msg
		}
		return msg
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return "unknown attribute " + field
	}
	return msg
}

// typeNoun describes the JSON values a Go type accepts.
func typeNoun(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "non-negative whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list of " + plural(typeNoun(t.Elem()))
	case reflect.Map:
		return "object whose values are " + plural(typeNoun(t.Elem()))
	case reflect.Struct:
		return "object"
	}
	return "value of type " + t.String()
}

func plural(noun string) string {
	head, tail, _ := strings.Cut(noun, " ")
	if tail != "" {
		tail = " " + tail
	}
	return head + "s" + tail
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

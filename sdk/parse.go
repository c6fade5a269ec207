package sdk

import (
	"bytes"
	"encoding/json"

	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseOptions bounds what ParseMetadata accepts.
type ParseOptions struct {
	// Update selects RFC 7592 §2.2 semantics: a null member means the
	// member is omitted. On create (false), null is a type error.
	Update bool
	// MaxStringLength bounds every string value, in bytes (default 2048).
	MaxStringLength int
	// MaxArrayLength bounds every array (default 64).
	MaxArrayLength int
	// MaxMembers bounds the number of members of the object (default 128).
	MaxMembers int
}

// Default limits of ParseOptions.
const (
	DefaultMaxStringLength = 2048
	DefaultMaxArrayLength  = 64
	DefaultMaxMembers      = 128
)

// ReservedMembers are the members the server sets itself (RFC 7591 §3.2.1,
// RFC 7592 §3). ParseMetadata returns them apart from the metadata so the
// pipeline can apply the rules of create and update to them.
var ReservedMembers = []string{
	"client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
	"registration_access_token", "registration_client_uri",
}

// ParseMetadata decodes a registration request body (RFC 7591 §3.1,
// RFC 7592 §2.2) and checks the JSON type of every member it knows.
//
// The body must be one JSON object without duplicate members. Known members
// must have their RFC type: a string, an array of strings, an integer, a
// boolean, or (jwks) an object. Language-tagged members of human-readable
// fields ("client_name#ja-Jpan-JP") must be strings and are kept in
// Metadata.Localized; members in ReservedMembers are returned in reserved;
// any other member is kept as raw JSON in Metadata.Extensions.
//
// Every error is an *Error: ErrInvalidRequest when the body is not a JSON
// object, ErrInvalidClientMetadata naming the member otherwise.
func ParseMetadata(body []byte, opts ParseOptions) (md Metadata, reserved map[string]json.RawMessage, err error) {
	opts = opts.withDefaults()
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		if first := firstByte(body); first != '{' && json.Valid(body) {
			return md, nil, ErrInvalidRequest.WithDescription("request body must be a JSON object")
		}
		return md, nil, ErrInvalidRequest.WithDescription("request body is not valid JSON")
	}
	if members == nil { // the body was "null"
		return md, nil, ErrInvalidRequest.WithDescription("request body must be a JSON object")
	}
	if n := countMembers(body); n != len(members) {
		return md, nil, ErrInvalidClientMetadata.WithDescription("%s: duplicate member", quoteName(duplicateMember(body)))
	}
	if len(members) > opts.MaxMembers {
		return md, nil, ErrInvalidClientMetadata.WithDescription("request has more than %d members", opts.MaxMembers)
	}
	// Sorted, so that the first error reported does not depend on map order.
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	sort.Strings(names)
	v := reflect.ValueOf(&md).Elem()
	for _, name := range names {
		raw := members[name]
		if err := checkName(name); err != nil {
			return Metadata{}, nil, err
		}
		isNull := bytes.Equal(raw, []byte("null"))
		if f, ok := fieldIndex[name]; ok {
			if isNull {
				if opts.Update {
					continue
				}
				return Metadata{}, nil, ErrInvalidClientMetadata.WithDescription("%s: must not be null", name)
			}
			if err := decodeField(v.Field(f.index), f.kind, name, raw, opts); err != nil {
				return Metadata{}, nil, err
			}
			continue
		}
		if isReserved(name) {
			if reserved == nil {
				reserved = map[string]json.RawMessage{}
			}
			reserved[name] = raw
			continue
		}
		if base, tag, ok := splitLanguageTag(name); ok && isLocalizable(base) {
			if !validLanguageTag(tag) {
				return Metadata{}, nil, ErrInvalidClientMetadata.WithDescription("%s: invalid language tag %q", base, tag)
			}
			if isNull {
				if opts.Update {
					continue
				}
				return Metadata{}, nil, ErrInvalidClientMetadata.WithDescription("%s: must not be null", quoteName(name))
			}
			s, err := decodeString(name, raw, opts)
			if err != nil {
				return Metadata{}, nil, err
			}
			if md.Localized == nil {
				md.Localized = map[string]string{}
			}
			md.Localized[name] = s
			continue
		}
		if isNull && opts.Update {
			continue
		}
		if md.Extensions == nil {
			md.Extensions = map[string]json.RawMessage{}
		}
		md.Extensions[name] = raw
	}
	return md, reserved, nil
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// countMembers counts the member names of the top-level object of body,
// which must be valid JSON: the strings at depth 1 that are not values. A
// count above the number of distinct names means a name is repeated:
// encoding/json keeps the last value silently, and two parsers that
// disagree on which one wins are a smuggling risk.
func countMembers(body []byte) int {
	depth, n := 0, 0
	inString, escaped, afterColon := false, false, false
	for _, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			if depth == 1 && !afterColon {
				n++
			}
			afterColon = false
		case '{', '[':
			depth++
			afterColon = false
		case '}', ']':
			depth--
		case ':':
			afterColon = depth == 1
		case ' ', '\t', '\r', '\n':
		default:
			afterColon = false
		}
	}
	return n
}

// duplicateMember returns the first repeated member name of the top-level
// object of body (the slow path, after countMembers found one).
func duplicateMember(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := tok.(string)
		if seen[name] {
			return name
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

func (o ParseOptions) withDefaults() ParseOptions {
	if o.MaxStringLength <= 0 {
		o.MaxStringLength = DefaultMaxStringLength
	}
	if o.MaxArrayLength <= 0 {
		o.MaxArrayLength = DefaultMaxArrayLength
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = DefaultMaxMembers
	}
	return o
}

type fieldKind int

const (
	kindString fieldKind = iota
	kindStrings
	kindInt
	kindBool
	kindObject
)

type fieldInfo struct {
	index int
	kind  fieldKind
}

// fieldIndex maps each known JSON member name to its Metadata field.
var fieldIndex = buildFieldIndex()

func buildFieldIndex() map[string]fieldInfo {
	t := reflect.TypeOf(Metadata{})
	idx := make(map[string]fieldInfo, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		var k fieldKind
		switch f.Type {
		case reflect.TypeOf(""):
			k = kindString
		case reflect.TypeOf([]string(nil)):
			k = kindStrings
		case reflect.TypeOf((*int64)(nil)):
			k = kindInt
		case reflect.TypeOf((*bool)(nil)):
			k = kindBool
		case reflect.TypeOf(json.RawMessage(nil)):
			k = kindObject
		default:
			panic("sdk: Metadata field " + f.Name + " has an unsupported type")
		}
		idx[name] = fieldInfo{index: i, kind: k}
	}
	return idx
}

// KnownFields returns the JSON member names of Metadata, in field order.
func KnownFields() []string {
	t := reflect.TypeOf(Metadata{})
	var names []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func isKnownField(name string) bool {
	_, ok := fieldIndex[name]
	return ok || isReserved(name)
}

func isReserved(name string) bool {
	for _, r := range ReservedMembers {
		if r == name {
			return true
		}
	}
	return false
}

func decodeField(dst reflect.Value, kind fieldKind, name string, raw json.RawMessage, opts ParseOptions) error {
	switch kind {
	case kindString:
		s, err := decodeString(name, raw, opts)
		if err != nil {
			return err
		}
		dst.SetString(s)
	case kindStrings:
		list, err := decodeStrings(name, raw, opts)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(list))
	case kindInt:
		n, err := decodeInt(name, raw)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(&n))
	case kindBool:
		var b bool
		if raw[0] != 't' && raw[0] != 'f' {
			return ErrInvalidClientMetadata.WithDescription("%s: must be a boolean", name)
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return ErrInvalidClientMetadata.WithDescription("%s: must be a boolean", name)
		}
		dst.Set(reflect.ValueOf(&b))
	case kindObject:
		if raw[0] != '{' {
			return ErrInvalidClientMetadata.WithDescription("%s: must be a JSON object", name)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return ErrInvalidClientMetadata.WithDescription("%s: must be a JSON object", name)
		}
		dst.Set(reflect.ValueOf(json.RawMessage(compact.Bytes())))
	}
	return nil
}

// unquote decodes a JSON string that is known to be valid JSON; ok is
// false when raw is not a string.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true // the common case: no escapes
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func decodeString(name string, raw json.RawMessage, opts ParseOptions) (string, error) {
	s, ok := unquote(raw)
	if !ok {
		return "", ErrInvalidClientMetadata.WithDescription("%s: must be a string", quoteName(name))
	}
	if err := checkString(quoteName(name), s, opts); err != nil {
		return "", err
	}
	return s, nil
}

func decodeStrings(name string, raw json.RawMessage, opts ParseOptions) ([]string, error) {
	if raw[0] != '[' {
		return nil, ErrInvalidClientMetadata.WithDescription("%s: must be an array of strings", name)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, ErrInvalidClientMetadata.WithDescription("%s: must be an array of strings", name)
	}
	if len(items) > opts.MaxArrayLength {
		return nil, ErrInvalidClientMetadata.WithDescription("%s: more than %d values", name, opts.MaxArrayLength)
	}
	list := make([]string, 0, len(items))
	for i, it := range items {
		s, ok := unquote(it)
		if !ok {
			return nil, ErrInvalidClientMetadata.WithDescription("%s[%d]: must be a string", name, i)
		}
		if err := checkString(name, s, opts); err != nil {
			// Name the element only on the error path.
			return nil, checkString(fmt.Sprintf("%s[%d]", name, i), s, opts)
		}
		list = append(list, s)
	}
	return list, nil
}

func decodeInt(name string, raw json.RawMessage) (int64, error) {
	s := string(raw)
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || strings.ContainsAny(s, ".eE") {
		return 0, ErrInvalidClientMetadata.WithDescription("%s: must be an integer", name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrInvalidClientMetadata.WithDescription("%s: integer out of range", name)
	}
	return n, nil
}

// checkString refuses over-long strings and control characters, which have
// no place in client metadata and are a common injection vector in logs and
// consent screens.
func checkString(field, s string, opts ParseOptions) error {
	if len(s) > opts.MaxStringLength {
		return ErrInvalidClientMetadata.WithDescription("%s: longer than %d bytes", field, opts.MaxStringLength)
	}
	if !utf8.ValidString(s) {
		return ErrInvalidClientMetadata.WithDescription("%s: not valid UTF-8", field)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return ErrInvalidClientMetadata.WithDescription("%s: contains a control character", field)
		}
	}
	return nil
}

// checkName refuses member names that could not be echoed safely.
func checkName(name string) error {
	if name == "" {
		return ErrInvalidClientMetadata.WithDescription("empty member name")
	}
	if len(name) > 256 {
		return ErrInvalidClientMetadata.WithDescription("member name longer than 256 bytes")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return ErrInvalidClientMetadata.WithDescription("member name contains a control character")
		}
	}
	return nil
}

// validLanguageTag accepts the syntax of BCP 47 tags: subtags of 1 to 8
// letters or digits separated by hyphens, the first of letters only.
func validLanguageTag(tag string) bool {
	if tag == "" || len(tag) > 64 {
		return false
	}
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) == 0 || len(sub) > 8 {
			return false
		}
		for _, r := range sub {
			isLetter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
			isDigit := r >= '0' && r <= '9'
			if !isLetter && !(isDigit && i > 0) {
				return false
			}
		}
	}
	return true
}

func quoteName(name string) string {
	if len(name) > 64 {
		name = name[:64] + "..."
	}
	return name
}

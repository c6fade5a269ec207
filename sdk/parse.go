package sdk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseOptions bounds what ParseMetadata accepts.
type ParseOptions struct {
	// Update selects RFC 7592 §2.2 semantics: a null member means the
	// member is omitted. On create (false), null is a type error.
	Update bool
	// MaxStringLength bounds every string of the body, values and member
	// names at any depth, in bytes once decoded (default 2048). A bound
	// below the length of a known member name (at most 41 bytes) refuses
	// that member.
	MaxStringLength int
	// MaxArrayLength bounds every array of a known member (default 64).
	MaxArrayLength int
	// MaxMembers bounds the number of members of the object (default 128).
	MaxMembers int
	// MaxDepth bounds the nesting of objects and arrays in the body; the
	// body itself is level 1 and a key of jwks is at level 4 (default 32,
	// at most MaxDepthLimit).
	MaxDepth int
	// MaxUnknownBytes bounds the members kept in Metadata.Extensions: their
	// names and values as sent, in bytes, all together (default 16384).
	MaxUnknownBytes int
}

// Default limits of ParseOptions.
const (
	DefaultMaxStringLength = 2048
	DefaultMaxArrayLength  = 64
	DefaultMaxMembers      = 128
	DefaultMaxDepth        = 32
	DefaultMaxUnknownBytes = 16 << 10
)

// MaxDepthLimit is the largest ParseOptions.MaxDepth: a larger one is taken
// as MaxDepthLimit. Every record that holds accepted metadata (a stored
// client, a plugin call) nests it a few levels deeper, and must still decode
// with encoding/json, which refuses more than 10000 levels.
const MaxDepthLimit = 1000

// reservedMembers is what ParseMetadata reads; ReservedMembers returns a
// copy.
var reservedMembers = []string{
	"client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
	"registration_access_token", "registration_client_uri",
}

// ReservedMembers returns the members the server sets itself (RFC 7591
// §3.2.1, RFC 7592 §3). ParseMetadata returns them apart from the metadata
// so the pipeline can apply the rules of create and update to them. The
// slice is a copy: changing it changes nothing else.
func ReservedMembers() []string { return slices.Clone(reservedMembers) }

// ParseMetadata decodes a registration request body (RFC 7591 §3.1,
// RFC 7592 §2.2) and checks the JSON type of every member it knows.
//
// The body must be one JSON text (RFC 8259) whose value is an object. The
// whole body, unknown members and jwks included, is checked in one pass
// before any member is decoded:
//   - objects and arrays nest at most MaxDepth levels;
//   - no object, at any depth, has two members with the same name;
//   - every string, values and member names at any depth, is valid UTF-8
//     once decoded (invalid bytes and escaped lone surrogates such as
//     "\ud800" are refused, never replaced with U+FFFD), holds no control
//     character (U+0000 to U+001F, U+007F) and is at most MaxStringLength
//     bytes long.
//
// Member names of the top-level object are case-sensitive (RFC 8259 §8.3),
// but consumers that match them ignoring case (Go's encoding/json does) would
// read a member whose name differs from a known one only in letter case as
// that member: such a name ("REDIRECT_URIS", "Client_Name#fr") is refused,
// and so are two language-tagged members whose tags differ only in letter
// case (RFC 5646 §2.1.1).
//
// Known members must have their RFC type: a string, an array of strings,
// an integer, a boolean, or (jwks) an object. Language-tagged members of
// human-readable fields ("client_name#ja-Jpan-JP") must be strings and are
// kept in Metadata.Localized; members in ReservedMembers are returned in
// reserved; any other member is kept as raw JSON in Metadata.Extensions,
// at most MaxUnknownBytes of them. With Update, a null member is omitted
// (RFC 7592 §2.2), reserved members included.
//
// Every error is an *Error: ErrInvalidRequest when the body is not a JSON
// object, ErrInvalidClientMetadata naming the member (by its path, such as
// jwks.keys[0].kty, within nested values) otherwise.
func ParseMetadata(body []byte, opts ParseOptions) (md Metadata, reserved map[string]json.RawMessage, err error) {
	opts = opts.withDefaults()
	// The members alias the body: a copy keeps the result independent of
	// the caller's buffer.
	members, err := scanBody(bytes.Clone(body), opts)
	if err != nil {
		if _, syntax := err.(errSyntax); syntax {
			if first := firstByte(body); first != '{' && json.Valid(body) {
				return md, nil, ErrInvalidRequest().WithDescription("request body must be a JSON object")
			}
			return md, nil, ErrInvalidRequest().WithDescription("request body is not valid JSON")
		}
		return md, nil, err
	}
	v := reflect.ValueOf(&md).Elem()
	var localized map[string]string // folded name -> name, for tags that differ in case only
	unknownBytes := 0
	for _, m := range members {
		name, raw := m.name, m.raw
		if err := checkName(name); err != nil {
			return Metadata{}, nil, err
		}
		isNull := bytes.Equal(raw, []byte("null"))
		if f, ok := fieldIndex[name]; ok {
			if isNull {
				if opts.Update {
					continue
				}
				return Metadata{}, nil, ErrInvalidClientMetadata().WithDescription("%s: must not be null", name)
			}
			if err := decodeField(v.Field(f.index), f.kind, name, raw, opts); err != nil {
				return Metadata{}, nil, err
			}
			continue
		}
		if isReserved(name) {
			if isNull && opts.Update {
				continue
			}
			if reserved == nil {
				reserved = map[string]json.RawMessage{}
			}
			reserved[name] = raw
			continue
		}
		if err := checkCaseTwin(name); err != nil {
			return Metadata{}, nil, err
		}
		if base, tag, ok := splitLanguageTag(name); ok && isLocalizable(base) {
			if !validLanguageTag(tag) {
				return Metadata{}, nil, ErrInvalidClientMetadata().WithDescription("%s: invalid language tag %q", base, tag)
			}
			folded := foldName(name)
			if other, dup := localized[folded]; dup {
				return Metadata{}, nil, ErrInvalidClientMetadata().WithDescription("%s: duplicate of %s (language tags are case-insensitive)", quoteName(name), quoteName(other))
			}
			if localized == nil {
				localized = map[string]string{}
			}
			localized[folded] = name
			if isNull {
				if opts.Update {
					continue
				}
				return Metadata{}, nil, ErrInvalidClientMetadata().WithDescription("%s: must not be null", quoteName(name))
			}
			s, err := decodeString(name, raw)
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
		if unknownBytes += len(name) + len(raw); unknownBytes > opts.MaxUnknownBytes {
			return Metadata{}, nil, ErrInvalidClientMetadata().WithDescription("%s: the unknown members exceed %d bytes in total", quoteName(name), opts.MaxUnknownBytes)
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

// knownFolded maps the case-folded name of every top-level member Registrar
// knows (Metadata's, ReservedMembers) to its spelling.
var knownFolded = func() map[string]string {
	m := map[string]string{}
	for name := range fieldIndex {
		m[foldName(name)] = name
	}
	for _, name := range reservedMembers {
		m[foldName(name)] = name
	}
	return m
}()

// checkCaseTwin refuses a top-level member name that is not a known name
// but equals one ignoring case, as strings.EqualFold (and encoding/json's
// matching of member names) compares them; for a language-tagged name, the
// part before "#" is compared with the human-readable members.
func checkCaseTwin(name string) error {
	if b, _, ok := splitLanguageTag(name); ok {
		if isLocalizable(b) {
			return nil
		}
		if known, twin := knownFolded[foldName(b)]; twin && isLocalizable(known) {
			return ErrInvalidClientMetadata().WithDescription("%s: differs from %s only in letter case (member names are case-sensitive)", quoteName(name), known)
		}
	}
	if known, twin := knownFolded[foldName(name)]; twin {
		return ErrInvalidClientMetadata().WithDescription("%s: differs from the member %s only in letter case (member names are case-sensitive)", quoteName(name), known)
	}
	return nil
}

// foldName maps s to a key that is equal for two strings exactly when
// strings.EqualFold holds for them: each rune becomes the smallest rune of
// its Unicode simple case folding orbit ("k", "K" and the Kelvin sign
// U+212A all become "K").
func foldName(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		b.WriteRune(min)
	}
	return b.String()
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
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxDepth > MaxDepthLimit {
		o.MaxDepth = MaxDepthLimit
	}
	if o.MaxUnknownBytes <= 0 {
		o.MaxUnknownBytes = DefaultMaxUnknownBytes
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
	for _, r := range reservedMembers {
		if r == name {
			return true
		}
	}
	return false
}

func decodeField(dst reflect.Value, kind fieldKind, name string, raw json.RawMessage, opts ParseOptions) error {
	switch kind {
	case kindString:
		s, err := decodeString(name, raw)
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
			return ErrInvalidClientMetadata().WithDescription("%s: must be a boolean", name)
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return ErrInvalidClientMetadata().WithDescription("%s: must be a boolean", name)
		}
		dst.Set(reflect.ValueOf(&b))
	case kindObject:
		if raw[0] != '{' {
			return ErrInvalidClientMetadata().WithDescription("%s: must be a JSON object", name)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return ErrInvalidClientMetadata().WithDescription("%s: must be a JSON object", name)
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

// decodeString decodes a string member; scanBody has applied the string
// rules to it.
func decodeString(name string, raw json.RawMessage) (string, error) {
	s, ok := unquote(raw)
	if !ok {
		return "", ErrInvalidClientMetadata().WithDescription("%s: must be a string", quoteName(name))
	}
	return s, nil
}

// decodeStrings decodes an array of strings; raw is valid JSON whose strings
// scanBody has checked.
func decodeStrings(name string, raw json.RawMessage, opts ParseOptions) ([]string, error) {
	if raw[0] != '[' {
		return nil, ErrInvalidClientMetadata().WithDescription("%s: must be an array of strings", name)
	}
	var list []string
	i := 1
	skip := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
	}
	for n := 0; ; n++ {
		skip()
		if raw[i] == ']' { // only before the first element: raw is valid JSON
			break
		}
		if n == opts.MaxArrayLength {
			return nil, ErrInvalidClientMetadata().WithDescription("%s: more than %d values", name, opts.MaxArrayLength)
		}
		if raw[i] != '"' {
			return nil, ErrInvalidClientMetadata().WithDescription("%s[%d]: must be a string", name, n)
		}
		end := i + 1
		for raw[end] != '"' {
			if raw[end] == '\\' {
				end++
			}
			end++
		}
		s, _ := unquote(raw[i : end+1])
		if list == nil {
			list = make([]string, 0, 4)
		}
		list = append(list, s)
		i = end + 1
		skip()
		if raw[i] == ']' {
			break
		}
		i++ // the comma
	}
	if list == nil {
		list = []string{}
	}
	return list, nil
}

func decodeInt(name string, raw json.RawMessage) (int64, error) {
	s := string(raw)
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || strings.ContainsAny(s, ".eE") {
		return 0, ErrInvalidClientMetadata().WithDescription("%s: must be an integer", name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrInvalidClientMetadata().WithDescription("%s: integer out of range", name)
	}
	return n, nil
}

// checkName refuses top-level member names that could not be echoed
// usefully; scanBody has applied the string rules to them.
func checkName(name string) error {
	if name == "" {
		return ErrInvalidClientMetadata().WithDescription("empty member name")
	}
	if len(name) > 256 {
		return ErrInvalidClientMetadata().WithDescription("member name longer than 256 bytes")
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

// quoteName shortens a member name for an error description to 64 bytes,
// cutting at a rune boundary so the description stays valid UTF-8.
func quoteName(name string) string {
	if len(name) > 64 {
		cut := 64
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + "..."
	}
	return name
}

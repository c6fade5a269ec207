package sdk

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// topMember is one member of the top-level object of a request body: its
// decoded name and its value as sent, without surrounding whitespace.
type topMember struct {
	name string
	raw  []byte
}

// errSyntax marks a body that is not one valid JSON text; ParseMetadata
// answers it with ErrInvalidRequest.
type errSyntax struct{}

func (errSyntax) Error() string { return "request body is not valid JSON" }

// bodyScanner checks a whole request body in one pass over its bytes: the
// JSON syntax (RFC 8259), the nesting depth, every string (values and member
// names, at any depth) and the member names of every object. It keeps
// the members of the top-level object.
//
// The first rule broken is kept in failed and the scan goes on checking the
// syntax only, so that a body that is not JSON is always answered as such,
// whatever else is wrong with it.
type bodyScanner struct {
	b    []byte
	i    int
	opts ParseOptions

	// kinds is the stack of open containers, '{' or '['.
	kinds []byte
	// frames parallels kinds while failed is nil: what the path of an
	// error needs, and the names seen in each open object.
	frames []scanFrame
	top    []topMember
	// topStart is where the value of the current top-level member starts.
	topStart int
	failed   *Error
}

// scanFrame is an open object or array.
type scanFrame struct {
	index int    // arrays: the index of the current element
	name  []byte // objects: the name of the current member, decoded
	// names holds the member names of an object seen so far; set replaces
	// it for objects with many members.
	names [][]byte
	set   map[string]struct{}
}

// maxLinearNames is the number of member names of one object compared one
// by one before a set takes over.
const maxLinearNames = 16

// scanBody scans body (see bodyScanner). It returns errSyntax when the body
// is not one valid JSON text, an *Error for the first rule broken by a
// valid one, or the members of the top-level value, which is an object.
func scanBody(body []byte, opts ParseOptions) ([]topMember, error) {
	s := bodyScanner{b: body, opts: opts}
	// Room for a typical body without growing.
	var kinds [8]byte
	var frames [8]scanFrame
	s.kinds, s.frames = kinds[:0], frames[:0]
	s.top = make([]topMember, 0, 16)
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return nil, errSyntax{}
	}
	if !s.value() {
		return nil, errSyntax{}
	}
	s.skipSpace()
	if s.i != len(s.b) {
		return nil, errSyntax{}
	}
	if s.failed != nil {
		return nil, s.failed
	}
	return s.top, nil
}

// value scans the JSON value at s.i, iteratively: nesting costs heap, not
// stack. It reports false on a syntax error.
func (s *bodyScanner) value() bool {
	for {
		// A value is expected at s.i.
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch c := s.b[s.i]; {
		case c == '{' || c == '[':
			s.push(c)
			s.i++
			s.skipSpace()
			if s.i < len(s.b) && s.b[s.i] == c+2 { // '}' or ']'
				s.i++
				s.pop()
				break
			}
			if c == '{' && !s.memberName() {
				return false
			}
			continue
		case c == '"':
			if !s.stringValue() {
				return false
			}
		case c == 't':
			if !s.literal("true") {
				return false
			}
		case c == 'f':
			if !s.literal("false") {
				return false
			}
		case c == 'n':
			if !s.literal("null") {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if !s.number() {
				return false
			}
		default:
			return false
		}
		// A value ended at s.i: close containers until one goes on.
		for {
			if len(s.kinds) == 0 {
				return true
			}
			if len(s.kinds) == 1 && s.failed == nil {
				s.top[len(s.top)-1].raw = s.b[s.topStart:s.i:s.i]
			}
			s.skipSpace()
			if s.i >= len(s.b) {
				return false
			}
			kind := s.kinds[len(s.kinds)-1]
			c := s.b[s.i]
			if c == ',' {
				s.i++
				if kind == '{' {
					if !s.memberName() {
						return false
					}
				} else if s.failed == nil {
					s.frames[len(s.frames)-1].index++
				}
				break
			}
			if c != kind+2 {
				return false
			}
			s.i++
			s.pop()
		}
	}
}

// push opens a container, refusing it past the depth limit.
func (s *bodyScanner) push(kind byte) {
	s.kinds = append(s.kinds, kind)
	if s.failed != nil {
		return
	}
	if len(s.kinds) > s.opts.MaxDepth {
		s.fail("%s: nested deeper than %d levels", s.path(true), s.opts.MaxDepth)
		return
	}
	if n := len(s.frames); n < cap(s.frames) {
		// Reuse the frame of a closed container, and its names' storage.
		s.frames = s.frames[:n+1]
		f := &s.frames[n]
		f.index, f.name, f.names, f.set = 0, nil, f.names[:0], nil
		return
	}
	s.frames = append(s.frames, scanFrame{})
}

func (s *bodyScanner) pop() {
	s.kinds = s.kinds[:len(s.kinds)-1]
	if s.failed == nil {
		s.frames = s.frames[:len(s.frames)-1]
	}
}

// memberName scans `"name" :` at s.i, in the innermost object.
func (s *bodyScanner) memberName() bool {
	s.skipSpace()
	start := s.i
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	problem, ok := s.str()
	if !ok {
		return false
	}
	end := s.i
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return false
	}
	s.i++
	if s.failed != nil {
		return true
	}
	f := &s.frames[len(s.frames)-1]
	if problem != "" {
		if where := s.path(false); where == "" {
			s.fail("member name %s", problem)
		} else {
			s.fail("%s: member name %s", where, problem)
		}
		return true
	}
	// The name as decoded: the bytes of the body when it has no escape,
	// so that nested names cost no allocation.
	name := s.b[start+1 : end-1 : end-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		decoded, _ := unquote(s.b[start:end])
		name = []byte(decoded)
	}
	if s.seen(f, name) {
		s.fail("%s: duplicate member", joinPath(s.path(false), string(name)))
		return true
	}
	f.name = name
	if len(s.kinds) == 1 {
		if len(s.top) >= s.opts.MaxMembers {
			s.fail("request has more than %d members", s.opts.MaxMembers)
			return true
		}
		s.skipSpace()
		s.topStart = s.i
		s.top = append(s.top, topMember{name: string(name)})
	}
	return true
}

// seen records name in the object f and reports whether it was there.
func (s *bodyScanner) seen(f *scanFrame, name []byte) bool {
	if f.set != nil {
		if _, dup := f.set[string(name)]; dup {
			return true
		}
		f.set[string(name)] = struct{}{}
		return false
	}
	for _, n := range f.names {
		if bytes.Equal(n, name) {
			return true
		}
	}
	if len(f.names) < maxLinearNames {
		f.names = append(f.names, name)
		return false
	}
	f.set = make(map[string]struct{}, 2*maxLinearNames)
	for _, n := range f.names {
		f.set[string(n)] = struct{}{}
	}
	f.set[string(name)] = struct{}{}
	return false
}

// stringValue scans a string value at s.i and applies the string rules.
func (s *bodyScanner) stringValue() bool {
	problem, ok := s.str()
	if !ok {
		return false
	}
	if problem != "" && s.failed == nil {
		s.fail("%s: %s", s.path(true), problem)
	}
	return true
}

// str scans the JSON string at s.i (its opening quote) and returns what
// breaks the string rules, or "": the value, once decoded, must be valid
// UTF-8 without lone surrogates (RFC 8259 §8.2; invalid bytes and escaped
// lone surrogates are refused, never replaced with U+FFFD), hold no
// control character (U+0000 to U+001F, U+007F) and be at most
// MaxStringLength bytes long. ok is false on a syntax error.
func (s *bodyScanner) str() (problem string, ok bool) {
	b := s.b
	i := s.i + 1
	n := 0 // decoded length in bytes
	for {
		// The common run of plain ASCII.
		for i < len(b) && b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\' {
			i++
			n++
		}
		if i >= len(b) {
			return "", false
		}
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			if problem == "" && n > s.opts.MaxStringLength {
				problem = "longer than " + strconv.Itoa(s.opts.MaxStringLength) + " bytes"
			}
			return problem, true
		case c < 0x20:
			return "", false // RFC 8259 §7: control characters must be escaped
		case c == 0x7f:
			i++
			n++
			problem = firstProblem(problem, "contains a control character")
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				problem = firstProblem(problem, "not valid UTF-8")
				size = 1
			}
			i += size
			n += size
		default: // '\\'
			if i+1 >= len(b) {
				return "", false
			}
			switch b[i+1] {
			case '"', '\\', '/':
				i += 2
				n++
			case 'b', 'f', 'n', 'r', 't':
				i += 2
				n++
				problem = firstProblem(problem, "contains a control character")
			case 'u':
				r, ok := hex4(b, i+2)
				if !ok {
					return "", false
				}
				i += 6
				switch {
				case r < 0x20 || r == 0x7f:
					problem = firstProblem(problem, "contains a control character")
					n++
				case r >= 0xd800 && r < 0xdc00: // a high surrogate needs its low half
					lo, ok := rune(0), false
					if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						lo, ok = hex4(b, i+2)
					}
					if !ok || lo < 0xdc00 || lo > 0xdfff {
						problem = firstProblem(problem, "not valid UTF-8 (lone surrogate)")
						n += 3
						continue
					}
					i += 6
					n += 4
				case r >= 0xdc00 && r <= 0xdfff:
					problem = firstProblem(problem, "not valid UTF-8 (lone surrogate)")
					n += 3
				default:
					n += utf8.RuneLen(r)
				}
			default:
				return "", false
			}
		}
	}
}

func firstProblem(had, p string) string {
	if had != "" {
		return had
	}
	return p
}

// hex4 decodes the four hexadecimal digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (s *bodyScanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		if s.b[s.i+k] != lit[k] {
			return false
		}
	}
	s.i += len(lit)
	return true
}

// number scans a JSON number (RFC 8259 §6).
func (s *bodyScanner) number() bool {
	b, i := s.b, s.i
	if b[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	s.i = i
	return true
}

func (s *bodyScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *bodyScanner) fail(format string, args ...any) {
	s.failed = ErrInvalidClientMetadata().WithDescription(format, args...)
}

// path names the current place in the body as the error descriptions do:
// jwks.keys[0].kty. With member false, it names the innermost object
// rather than its current member.
func (s *bodyScanner) path(member bool) string {
	var p strings.Builder
	for k, f := range s.frames {
		if s.kinds[k] == '[' {
			p.WriteByte('[')
			p.WriteString(strconv.Itoa(f.index))
			p.WriteByte(']')
			continue
		}
		if k == len(s.frames)-1 && !member {
			break
		}
		if p.Len() > 0 {
			p.WriteByte('.')
		}
		p.WriteString(quoteName(string(f.name)))
	}
	return p.String()
}

func joinPath(where, name string) string {
	if where == "" {
		return quoteName(name)
	}
	return where + "." + quoteName(name)
}

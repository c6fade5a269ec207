package sdk

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScanBody checks the body scan against encoding/json: a body that is
// not JSON is always ErrInvalidRequest, a JSON object never is, and what
// ParseMetadata accepts holds only valid UTF-8 and parses again once
// marshalled.
func FuzzScanBody(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":1}`, `{"client_name":"x","x":{"a":[1,2.5e-3,"s",true,false,null]}}`,
		`{"x":"\ud83d\ude00"}`, `{"x":"\ud800"}`, "{\"x\":\"\xff\"}", `{"x":"\u0000"}`, `{"a":1,"a":2}`,
		`{"REDIRECT_URIS":[]}`, `{"jwks":{"keys":[{"kty":"EC"}]}}`, `[1]`, `{"a":[[[[]]]]}`, `{"a":-0.0E+1}`,
		`{"a":01}`, `{"a":1.}`, `{"a":"\x"}`, `{"a" : [ 1 , 2 ] , "b" : { } }`, " {}\n", `{"client_id":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, update := range []bool{false, true} {
			md, _, err := ParseMetadata(body, ParseOptions{Update: update})
			valid := json.Valid(body)
			e, isErr := AsError(err)
			notJSON := isErr && e.Code == CodeInvalidRequest
			if !valid && err == nil {
				t.Fatalf("accepted a body encoding/json refuses: %q", body)
			}
			if !valid && !notJSON && !strings.Contains(e.Description, "nested deeper") {
				t.Fatalf("a body that is not JSON got %v: %q", err, body)
			}
			if valid && notJSON && firstByte(body) == '{' {
				t.Fatalf("a JSON object got %v: %q", err, body)
			}
			if err != nil {
				continue
			}
			out, err := json.Marshal(md)
			if err != nil {
				t.Fatalf("marshal accepted metadata: %v", err)
			}
			if !utf8.Valid(out) {
				t.Fatalf("accepted metadata marshals to invalid UTF-8: %q", out)
			}
			if _, _, err := ParseMetadata(out, ParseOptions{Update: update}); err != nil {
				t.Fatalf("accepted %q, but not its own marshalling %q: %v", body, out, err)
			}
		}
	})
}

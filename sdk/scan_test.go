package sdk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// nest returns n arrays nested in one another, the innermost holding inner.
func nest(n int, inner string) string {
	return strings.Repeat("[", n) + inner + strings.Repeat("]", n)
}

// TestParseMetadataBodyRules: the rules scanBody applies to the whole body
// (issue 9, items 2, 3 and 4), reported by ParseMetadata with the exact
// description.
func TestParseMetadataBodyRules(t *testing.T) {
	long := strings.Repeat("a", DefaultMaxStringLength+1)
	manyMembers := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `"m%02d":%d,`, i, i)
		}
		return b.String()
	}
	type bcase struct {
		name  string
		body  string
		opts  ParseOptions
		code  string // "" for success
		desc  string // the exact description of an error
		check func(t *testing.T, md Metadata, reserved map[string]json.RawMessage)
	}
	cases := []bcase{
		// Item 2: nesting depth. The body is level 1.
		{name: "zero options: depth 32 accepted", body: `{"x":` + nest(31, "") + `}`},
		{name: "zero options: depth 33 refused", body: `{"x":` + nest(32, "") + `}`,
			code: CodeInvalidClientMetadata, desc: "x" + strings.Repeat("[0]", 31) + ": nested deeper than 32 levels"},
		{name: "deep inside jwks", body: `{"jwks":{"keys":[{"kty":"EC","x_ext":` + nest(40, `1`) + `}]}}`,
			code: CodeInvalidClientMetadata, desc: "jwks.keys[0].x_ext" + strings.Repeat("[0]", 28) + ": nested deeper than 32 levels"},
		{name: "9999 levels inside jwks (issue 9 item 2)", body: `{"jwks":{"keys":` + nest(9999, "") + `}}`,
			code: CodeInvalidClientMetadata, desc: "jwks.keys" + strings.Repeat("[0]", 30) + ": nested deeper than 32 levels"},
		{name: "deep objects in an unknown member", body: `{"x":{"a":{"b":{"c":{}}}}}`, opts: ParseOptions{MaxDepth: 4},
			code: CodeInvalidClientMetadata, desc: "x.a.b.c: nested deeper than 4 levels"},
		{name: "depth option exactly met", body: `{"x":{"a":{"b":{"c":1}}}}`, opts: ParseOptions{MaxDepth: 4}},
		{name: "depth above the limit is the limit", body: `{"x":` + nest(MaxDepthLimit, "") + `}`, opts: ParseOptions{MaxDepth: 5 * MaxDepthLimit},
			code: CodeInvalidClientMetadata, desc: "x" + strings.Repeat("[0]", MaxDepthLimit-1) + ": nested deeper than 1000 levels"},
		{name: "depth at the limit", body: `{"x":` + nest(MaxDepthLimit-1, "") + `}`, opts: ParseOptions{MaxDepth: MaxDepthLimit}},
		{name: "deep and truncated is not JSON", body: `{"x":` + strings.Repeat("[", 100), code: CodeInvalidRequest,
			desc: "request body is not valid JSON"},
		{name: "array index in the path", body: `{"x":[1,2,[3,[4]]]}`, opts: ParseOptions{MaxDepth: 3},
			code: CodeInvalidClientMetadata, desc: "x[2][1]: nested deeper than 3 levels"},

		// Item 4: one string rule everywhere.
		{name: "invalid bytes in an unknown member", body: "{\"x\":\"\xff\xfe\"}", code: CodeInvalidClientMetadata, desc: "x: not valid UTF-8"},
		{name: "invalid byte then an escape", body: "{\"client_name\":\"\xff\\u0041\"}", code: CodeInvalidClientMetadata,
			desc: "client_name: not valid UTF-8"},
		{name: "invalid byte alone", body: "{\"client_name\":\"\xff\"}", code: CodeInvalidClientMetadata, desc: "client_name: not valid UTF-8"},
		{name: "invalid byte in an array element", body: "{\"contacts\":[\"a\",\"\xc3\"]}", code: CodeInvalidClientMetadata,
			desc: "contacts[1]: not valid UTF-8"},
		{name: "overlong encoding", body: "{\"x\":\"\xc0\xaf\"}", code: CodeInvalidClientMetadata, desc: "x: not valid UTF-8"},
		{name: "surrogate encoded as bytes", body: "{\"x\":\"\xed\xa0\x80\"}", code: CodeInvalidClientMetadata, desc: "x: not valid UTF-8"},
		{name: "escaped lone high surrogate", body: `{"client_name":"\ud800"}`, code: CodeInvalidClientMetadata,
			desc: "client_name: not valid UTF-8 (lone surrogate)"},
		{name: "escaped lone low surrogate", body: `{"x":"a\udc00b"}`, code: CodeInvalidClientMetadata, desc: "x: not valid UTF-8 (lone surrogate)"},
		{name: "high surrogate before a letter", body: `{"x":"\ud800\u0041"}`, code: CodeInvalidClientMetadata, desc: "x: not valid UTF-8 (lone surrogate)"},
		{name: "surrogates in the wrong order", body: `{"x":"\udc00\ud800"}`, code: CodeInvalidClientMetadata, desc: "x: not valid UTF-8 (lone surrogate)"},
		{name: "lone surrogate in a member name", body: `{"x":{"\ud800":1}}`, code: CodeInvalidClientMetadata,
			desc: "x: member name not valid UTF-8 (lone surrogate)"},
		{name: "surrogate pair and U+FFFD accepted", body: `{"client_name":"\ud83d\ude00 \ufffd ` + "\uFFFD" + `"}`,
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				if md.ClientName != "😀 \uFFFD \uFFFD" {
					t.Errorf("client_name = %q", md.ClientName)
				}
			}},
		{name: "invalid UTF-8 inside jwks", body: "{\"jwks\":{\"keys\":[{\"kid\":\"\xff\"}]}}", code: CodeInvalidClientMetadata,
			desc: "jwks.keys[0].kid: not valid UTF-8"},
		{name: "control character in a nested value", body: `{"x":{"y":["ok","a\nb"]}}`, code: CodeInvalidClientMetadata,
			desc: "x.y[1]: contains a control character"},
		{name: "raw DEL in an unknown member", body: "{\"x\":\"a\x7fb\"}", code: CodeInvalidClientMetadata, desc: "x: contains a control character"},
		{name: "escaped DEL in jwks", body: `{"jwks":{"keys":[],"x":"\u007f"}}`, code: CodeInvalidClientMetadata, desc: "jwks.x: contains a control character"},
		{name: "escaped NUL in a reserved member", body: `{"client_id":"a\u0000"}`, code: CodeInvalidClientMetadata,
			desc: "client_id: contains a control character"},
		{name: "long unknown string", body: `{"x":"` + long + `"}`, code: CodeInvalidClientMetadata, desc: "x: longer than 2048 bytes"},
		{name: "65000-byte unknown string (issue 9 item 4)", body: `{"x":"` + strings.Repeat("b", 65000) + `"}`,
			code: CodeInvalidClientMetadata, desc: "x: longer than 2048 bytes"},
		{name: "long string in jwks", body: `{"jwks":{"keys":[{"x5c":["` + long + `"]}]}}`, code: CodeInvalidClientMetadata,
			desc: "jwks.keys[0].x5c[0]: longer than 2048 bytes"},
		{name: "length counted decoded: at the bound", body: `{"x":"` + strings.Repeat(`\u00e9`, DefaultMaxStringLength/2) + `"}`},
		{name: "length counted decoded: over the bound", body: `{"x":"` + strings.Repeat(`\u00e9`, DefaultMaxStringLength/2) + `a"}`,
			code: CodeInvalidClientMetadata, desc: "x: longer than 2048 bytes"},
		{name: "long nested member name", body: `{"x":{"` + long + `":1}}`, code: CodeInvalidClientMetadata,
			desc: "x: member name longer than 2048 bytes"},
		{name: "invalid UTF-8 in a nested member name", body: "{\"x\":[{\"\xff\":1}]}", code: CodeInvalidClientMetadata,
			desc: "x[0]: member name not valid UTF-8"},
		{name: "control character in a nested member name", body: `{"jwks":{"keys":[{"k\u0001ty":"EC"}]}}`, code: CodeInvalidClientMetadata,
			desc: "jwks.keys[0]: member name contains a control character"},
		{name: "invalid UTF-8 in a top-level member name", body: "{\"\xff\":1}", code: CodeInvalidClientMetadata,
			desc: "member name not valid UTF-8"},
		{name: "the first broken rule is reported", body: "{\"a\":\"\xff\",\"b\":\"\\n\"}", code: CodeInvalidClientMetadata,
			desc: "a: not valid UTF-8"},
		{name: "not JSON wins over a broken rule", body: "{\"a\":\"\xff\",\"b\":}", code: CodeInvalidRequest,
			desc: "request body is not valid JSON"},
		{name: "long error names are cut at a rune boundary", body: `{"` + strings.Repeat("é", 40) + `":"\n"}`, code: CodeInvalidClientMetadata,
			desc: strings.Repeat("é", 32) + "...: contains a control character"},

		// Item 3: duplicate members anywhere, and case twins.
		{name: "duplicate in an unknown member", body: `{"x":{"a":1,"a":2}}`, code: CodeInvalidClientMetadata, desc: "x.a: duplicate member"},
		{name: "duplicate in an array of objects", body: `{"x":[{},{"a":1,"b":{},"a":2}]}`, code: CodeInvalidClientMetadata,
			desc: "x[1].a: duplicate member"},
		{name: "duplicate in a large object", body: `{"x":{` + manyMembers(40) + `"m33":0}}`, code: CodeInvalidClientMetadata,
			desc: "x.m33: duplicate member"},
		{name: "duplicate spelled with an escape", body: `{"x":{"kid":1,"\u006bid":2}}`, code: CodeInvalidClientMetadata, desc: "x.kid: duplicate member"},
		{name: "many distinct members", body: `{"x":{` + manyMembers(40) + `"z":0}}`},
		{name: "upper-case known member", body: `{"REDIRECT_URIS":["javascript:alert(1)"]}`, code: CodeInvalidClientMetadata,
			desc: "REDIRECT_URIS: differs from the member redirect_uris only in letter case (member names are case-sensitive)"},
		{name: "mixed-case known member", body: `{"Grant_Types":["password"]}`, code: CodeInvalidClientMetadata,
			desc: "Grant_Types: differs from the member grant_types only in letter case (member names are case-sensitive)"},
		{name: "case twin beside the member", body: `{"jwks_uri":"https://a.example/j","JWKS_URI":"https://b.example/j"}`, code: CodeInvalidClientMetadata,
			desc: "JWKS_URI: differs from the member jwks_uri only in letter case (member names are case-sensitive)"},
		{name: "upper-case jwks", body: `{"JWKS":{"keys":[]}}`, code: CodeInvalidClientMetadata,
			desc: "JWKS: differs from the member jwks only in letter case (member names are case-sensitive)"},
		{name: "upper-case reserved member", body: `{"Client_Secret":"x"}`, code: CodeInvalidClientMetadata,
			desc: "Client_Secret: differs from the member client_secret only in letter case (member names are case-sensitive)"},
		{name: "Unicode folding: long s", body: `{"ſcope":"openid"}`, code: CodeInvalidClientMetadata,
			desc: "ſcope: differs from the member scope only in letter case (member names are case-sensitive)"},
		{name: "Unicode folding: Kelvin sign", body: `{"to\u212aen_endpoint_auth_method":"none"}`, code: CodeInvalidClientMetadata,
			desc: "to\u212aen_endpoint_auth_method: differs from the member token_endpoint_auth_method only in letter case (member names are case-sensitive)"},
		{name: "tagged case twin", body: `{"Client_Name#fr":"x"}`, code: CodeInvalidClientMetadata,
			desc: "Client_Name#fr: differs from client_name only in letter case (member names are case-sensitive)"},
		{name: "tags that differ in case only", body: `{"client_name#fr":"a","client_name#FR":"b"}`, code: CodeInvalidClientMetadata,
			desc: "client_name#FR: duplicate of client_name#fr (language tags are case-insensitive)"},
		{name: "tagged unknown member is no twin", body: `{"Scope#en":"x","x_Redirect_URIs":[],"redirect_uris_x":1}`,
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				if len(md.Extensions) != 3 {
					t.Errorf("extensions = %v", md.Extensions)
				}
			}},
		{name: "nested names are not compared with top-level ones", body: `{"x":{"REDIRECT_URIS":1,"Scope":2}}`},

		// Item 4: the size of kept unknown members.
		{name: "unknown bytes at the bound", body: `{"abc":"12345","client_name":"not counted"}`, opts: ParseOptions{MaxUnknownBytes: 10}},
		{name: "unknown bytes over the bound", body: `{"abc":"12345","d":1}`, opts: ParseOptions{MaxUnknownBytes: 10},
			code: CodeInvalidClientMetadata, desc: "d: the unknown members exceed 10 bytes in total"},
		{name: "unknown bytes counted as sent", body: `{"abc":[ 1 ]}`, opts: ParseOptions{MaxUnknownBytes: 7},
			code: CodeInvalidClientMetadata, desc: "abc: the unknown members exceed 7 bytes in total"},
		{name: "unknown nulls on update are not kept nor counted", body: `{"abc":"12345","d":null}`, opts: ParseOptions{MaxUnknownBytes: 10, Update: true}},
		{name: "default unknown bound", body: `{"a":"` + strings.Repeat("x", 2000) + `"` +
			func() string {
				var b strings.Builder
				for i := 0; i < 8; i++ {
					fmt.Fprintf(&b, `,"x%d":"%s"`, i, strings.Repeat("x", 2000))
				}
				return b.String()
			}() + `}`,
			code: CodeInvalidClientMetadata, desc: "x7: the unknown members exceed 16384 bytes in total"},

		// Item 17: null for a server-managed member on update is omitted.
		{name: "null reserved members on update are omitted", opts: ParseOptions{Update: true},
			body: `{"client_id":"c1","registration_client_uri":null,"client_id_issued_at":null,"client_secret_expires_at":null,
				"registration_access_token":null,"client_secret":null}`,
			check: func(t *testing.T, _ Metadata, reserved map[string]json.RawMessage) {
				if !reflect.DeepEqual(reserved, map[string]json.RawMessage{"client_id": json.RawMessage(`"c1"`)}) {
					t.Errorf("reserved = %s", reserved)
				}
			}},
		{name: "null client_id on update is omitted", opts: ParseOptions{Update: true}, body: `{"client_id":null}`,
			check: func(t *testing.T, _ Metadata, reserved map[string]json.RawMessage) {
				if reserved != nil {
					t.Errorf("reserved = %s", reserved)
				}
			}},
		{name: "null reserved members on create are kept for the pipeline to refuse", body: `{"client_secret":null}`,
			check: func(t *testing.T, _ Metadata, reserved map[string]json.RawMessage) {
				if string(reserved["client_secret"]) != "null" {
					t.Errorf("reserved = %s", reserved)
				}
			}},
	}
	names := map[string]bool{}
	for _, tc := range cases {
		if names[tc.name] {
			t.Fatalf("duplicate case %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			md, reserved, err := ParseMetadata([]byte(tc.body), tc.opts)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.check != nil {
					tc.check(t, md, reserved)
				}
				return
			}
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("got %v, want *Error %s", err, tc.code)
			}
			if e.Code != tc.code || e.Status != http.StatusBadRequest || e.Description != tc.desc {
				t.Fatalf("got %s/%d %q\nwant %s/400 %q", e.Code, e.Status, e.Description, tc.code, tc.desc)
			}
			if !reflect.DeepEqual(md, Metadata{}) || reserved != nil {
				t.Error("partial metadata returned with an error")
			}
		})
	}
}

// TestParseMetadataDoesNotAliasBody: the metadata returned shares no bytes
// with the caller's buffer, which the caller may reuse.
func TestParseMetadataDoesNotAliasBody(t *testing.T) {
	body := []byte(`{"x":{"a":1},"client_id":"c"}`)
	md, reserved, err := ParseMetadata(body, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if string(md.Extensions["x"]) != `{"a":1}` || string(reserved["client_id"]) != `"c"` {
		t.Errorf("extensions %s, reserved %s after the body changed", md.Extensions, reserved)
	}
	// Appending to one raw value never writes into another.
	md.Extensions["x"] = append(md.Extensions["x"], 'Z')
	if string(reserved["client_id"]) != `"c"` {
		t.Errorf("reserved %s after an append", reserved)
	}
}

// TestAcceptedMetadataDecodesAgain: metadata nested as deep as ParseMetadata
// ever accepts (MaxDepthLimit) survives every record that holds it: a
// client marshalled and unmarshalled as the stores do, and the strict
// parser again (issue 9 item 2: no 201 whose record cannot be read back).
func TestAcceptedMetadataDecodesAgain(t *testing.T) {
	opts := ParseOptions{MaxDepth: MaxDepthLimit}
	deep := nest(MaxDepthLimit-2, `{"k":"v"}`) // level 2 to level MaxDepthLimit
	body := `{"x_deep":` + deep + `,"jwks":{"keys":[{"kty":"EC","x_ext":` + nest(MaxDepthLimit-4, "1") + `}]}}`
	md, _, err := ParseMetadata([]byte(body), opts)
	if err != nil {
		t.Fatalf("ParseMetadata: %v", err)
	}
	if _, _, err := ParseMetadata([]byte(`{"x_deep":[`+deep+`]}`), opts); err == nil {
		t.Fatal("one level more was accepted: the test does not sit at the limit")
	}
	c := Client{ID: "deep", Metadata: md}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("marshal the client: %v", err)
	}
	var back Client
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("the stored client does not decode: %v", err)
	}
	if string(back.Metadata.Extensions["x_deep"]) != deep || string(back.Metadata.JWKS) != string(md.JWKS) {
		t.Error("the metadata changed on the way through the client record")
	}
	mb, err := json.Marshal(back.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParseMetadata(mb, opts); err != nil {
		t.Errorf("ParseMetadata refuses the metadata it accepted, as stored: %v", err)
	}
}

// TestParseOptionsDefaults: zero and negative options take the defaults;
// MaxDepth is capped at MaxDepthLimit.
func TestParseOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   ParseOptions
		want ParseOptions
	}{
		{name: "zero", in: ParseOptions{}, want: ParseOptions{MaxStringLength: DefaultMaxStringLength, MaxArrayLength: DefaultMaxArrayLength,
			MaxMembers: DefaultMaxMembers, MaxDepth: DefaultMaxDepth, MaxUnknownBytes: DefaultMaxUnknownBytes}},
		{name: "negative", in: ParseOptions{MaxDepth: -1, MaxUnknownBytes: -1, Update: true}, want: ParseOptions{Update: true,
			MaxStringLength: DefaultMaxStringLength, MaxArrayLength: DefaultMaxArrayLength, MaxMembers: DefaultMaxMembers,
			MaxDepth: DefaultMaxDepth, MaxUnknownBytes: DefaultMaxUnknownBytes}},
		{name: "depth above the limit", in: ParseOptions{MaxDepth: MaxDepthLimit + 1, MaxUnknownBytes: 1, MaxStringLength: 7, MaxArrayLength: 3, MaxMembers: 2},
			want: ParseOptions{MaxDepth: MaxDepthLimit, MaxUnknownBytes: 1, MaxStringLength: 7, MaxArrayLength: 3, MaxMembers: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.withDefaults(); got != tc.want {
				t.Errorf("withDefaults() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// jwkNameCases: member names of a JWK Set and of a JWK that differ from
// the RFC 7517 names only in letter case are refused (issue 9 item 3).
func jwkNameCases() []tcase {
	ecWith := func(name string, v any) string { return jwks(setMember(ecJWK, name, v)) }
	return []tcase{
		{name: "KEYS beside keys (issue 9 item 3)", body: pkjwt(`{"keys":[` + ecJWK + `],"KEYS":[` + octJWK + `]}`), code: cMeta, field: "jwks"},
		{name: "Keys instead of keys", body: pkjwt(`{"Keys":[` + ecJWK + `]}`), code: cMeta, field: "jwks"},
		{name: "KTY oct beside kty", body: pkjwt(ecWith("KTY", "oct")), code: cMeta, field: "jwks.keys[0]"},
		{name: "ALG HS256 beside alg", body: pkjwt(ecWith("ALG", "HS256")), code: cMeta, field: "jwks.keys[0]"},
		{name: "N on an RSA key", body: pkjwt(jwks(setMember(rsaJWK, "N", "AQAB"))), code: cMeta, field: "jwks.keys[0]"},
		{name: "Use", body: pkjwt(ecWith("Use", "enc")), code: cMeta, field: "jwks.keys[0]"},
		{name: "X5T#s256", body: pkjwt(ecWith("X5T#s256", "AAAA")), code: cMeta, field: "jwks.keys[0]"},
		{name: "Key_Ops", body: pkjwt(ecWith("Key_Ops", []string{"verify"})), code: cMeta, field: "jwks.keys[0]"},
		{name: "Kelvin sign for k", body: pkjwt(ecWith("\u212a", "AAAA")), code: cMeta, field: "jwks.keys[0]"},
		{name: "unknown JWK members are kept", body: pkjwt(ecWith("x_note", "hi")),
			want: wantWeb(`"token_endpoint_auth_method":"private_key_jwt","jwks":` + ecWith("x_note", "hi"))},
	}
}

func TestJWKMemberNames(t *testing.T) { runTable(t, jwkNameCases()) }

// TestCheckJWKSNames: the same rules for a document a jwks_uri serves,
// which does not go through ParseMetadata, duplicates included.
func TestCheckJWKSNames(t *testing.T) {
	ecWithout := strings.TrimSuffix(ecJWK, "}")
	tests := []struct {
		name, set, want string
	}{
		{name: "valid", set: jwks(ecJWK)},
		{name: "duplicate keys", set: `{"keys":[` + ecJWK + `],"keys":[` + octJWK + `]}`, want: "jwks: must not contain duplicate members"},
		{name: "duplicate JWK member", set: `{"keys":[` + ecWithout + `,"x":"AAAA"}]}`, want: "jwks: must not contain duplicate members"},
		{name: "KEYS", set: `{"keys":[` + ecJWK + `],"KEYS":[]}`, want: `jwks: member "KEYS" differs from "keys" only in letter case (member names are case-sensitive)`},
		{name: "Kid", set: jwks(ecWithout + `,"Kid":"other"}`), want: `jwks.keys[0]: member "Kid" differs from "kid" only in letter case (member names are case-sensitive)`},
		{name: "invalid UTF-8 in an unknown JWK member", set: jwks(ecWithout + ",\"x_n\":\"\xff\"}"), want: "jwks: must be valid UTF-8"},
		{name: "first twin in name order", set: jwks(ecWithout + `,"Y":"a","Crv":"P-384"}`), want: `jwks.keys[0]: member "Crv" differs from "crv" only in letter case (member names are case-sensitive)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckJWKS(json.RawMessage(tc.set), testPolicy())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code != CodeInvalidClientMetadata || e.Description != tc.want {
				t.Fatalf("got %v, want invalid_client_metadata %q", err, tc.want)
			}
		})
	}
}

package sdk

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	long := strings.Repeat("a", DefaultMaxStringLength+1)
	manyURIs := `["` + strings.TrimSuffix(strings.Repeat(`https://a.example/cb","`, DefaultMaxArrayLength+1), `","`) + `"]`
	longName := strings.Repeat("n", 257)

	type pcase struct {
		name   string
		body   string
		opts   ParseOptions
		code   string // expected error code; "" for success
		field  string // the description starts with field + ": " (when set)
		check  func(t *testing.T, md Metadata, reserved map[string]json.RawMessage)
		noDesc bool // the error names no field
	}
	cases := []pcase{
		// Not one JSON object.
		{name: "empty body", body: ``, code: CodeInvalidRequest, noDesc: true},
		{name: "not json", body: `client_name=x`, code: CodeInvalidRequest, noDesc: true},
		{name: "array body", body: `[{"client_name":"x"}]`, code: CodeInvalidRequest, noDesc: true},
		{name: "string body", body: `"client_name"`, code: CodeInvalidRequest, noDesc: true},
		{name: "null body", body: `null`, code: CodeInvalidRequest, noDesc: true},
		{name: "number body", body: `42`, code: CodeInvalidRequest, noDesc: true},
		{name: "trailing object", body: `{} {}`, code: CodeInvalidRequest, noDesc: true},
		{name: "trailing garbage", body: `{"client_name":"x"}x`, code: CodeInvalidRequest, noDesc: true},
		{name: "truncated", body: `{"client_name":"x"`, code: CodeInvalidRequest, noDesc: true},
		{name: "trailing comma", body: `{"client_name":"x",}`, code: CodeInvalidRequest, noDesc: true},
		{name: "single quotes", body: `{'client_name':'x'}`, code: CodeInvalidRequest, noDesc: true},
		{name: "comment", body: `{/* x */}`, code: CodeInvalidRequest, noDesc: true},

		// Duplicate members.
		{name: "duplicate known member", body: `{"client_name":"a","client_name":"b"}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "duplicate unknown member", body: `{"x":1,"x":2}`, code: CodeInvalidClientMetadata, field: "x"},
		{name: "duplicate reserved member", body: `{"client_id":"a","client_id":"a"}`, code: CodeInvalidClientMetadata, field: "client_id"},
		{name: "duplicate with null", body: `{"grant_types":null,"grant_types":["implicit"]}`, opts: ParseOptions{Update: true},
			code: CodeInvalidClientMetadata, field: "grant_types"},

		// null on create and on update.
		{name: "null array on create", body: `{"grant_types":null}`, code: CodeInvalidClientMetadata, field: "grant_types"},
		{name: "null string on create", body: `{"client_name":null}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "null integer on create", body: `{"default_max_age":null}`, code: CodeInvalidClientMetadata, field: "default_max_age"},
		{name: "null localized on create", body: `{"client_name#fr":null}`, code: CodeInvalidClientMetadata, field: "client_name#fr"},
		{name: "null on update is omitted", body: `{"grant_types":null,"client_name":null,"jwks":null,"require_auth_time":null,
			"client_name#fr":null,"x":null}`, opts: ParseOptions{Update: true},
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				if !reflect.DeepEqual(md, Metadata{}) {
					t.Errorf("got %+v, want empty metadata", md)
				}
			}},
		{name: "unknown null kept on create", body: `{"x":null}`,
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				if string(md.Extensions["x"]) != "null" {
					t.Errorf("extensions = %v", md.Extensions)
				}
			}},

		// Wrong types.
		{name: "number for string", body: `{"client_name":1}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "object for string", body: `{"client_name":{}}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "bool for string", body: `{"scope":true}`, code: CodeInvalidClientMetadata, field: "scope"},
		{name: "string for array", body: `{"grant_types":"authorization_code"}`, code: CodeInvalidClientMetadata, field: "grant_types"},
		{name: "object for array", body: `{"redirect_uris":{"0":"https://a.example/cb"}}`, code: CodeInvalidClientMetadata, field: "redirect_uris"},
		{name: "array with number", body: `{"redirect_uris":["https://a.example/cb",1]}`, code: CodeInvalidClientMetadata, field: "redirect_uris[1]"},
		{name: "array with null", body: `{"contacts":[null]}`, code: CodeInvalidClientMetadata, field: "contacts[0]"},
		{name: "nested array", body: `{"contacts":[["a@example.com"]]}`, code: CodeInvalidClientMetadata, field: "contacts[0]"},
		{name: "float for integer", body: `{"default_max_age":1.5}`, code: CodeInvalidClientMetadata, field: "default_max_age"},
		{name: "integral float for integer", body: `{"access_token_lifetime":3600.0}`, code: CodeInvalidClientMetadata, field: "access_token_lifetime"},
		{name: "exponent for integer", body: `{"access_token_lifetime":1e3}`, code: CodeInvalidClientMetadata, field: "access_token_lifetime"},
		{name: "integer overflow", body: `{"default_max_age":9223372036854775808}`, code: CodeInvalidClientMetadata, field: "default_max_age"},
		{name: "negative integer overflow", body: `{"consent_lifetime":-9223372036854775809}`, code: CodeInvalidClientMetadata, field: "consent_lifetime"},
		{name: "string for integer", body: `{"access_token_lifetime":"3600"}`, code: CodeInvalidClientMetadata, field: "access_token_lifetime"},
		{name: "bool for integer", body: `{"default_max_age":true}`, code: CodeInvalidClientMetadata, field: "default_max_age"},
		{name: "bool as string", body: `{"require_auth_time":"true"}`, code: CodeInvalidClientMetadata, field: "require_auth_time"},
		{name: "number for bool", body: `{"require_consent":1}`, code: CodeInvalidClientMetadata, field: "require_consent"},
		{name: "jwks as array", body: `{"jwks":[{"kty":"EC"}]}`, code: CodeInvalidClientMetadata, field: "jwks"},
		{name: "jwks as string", body: `{"jwks":"{\"keys\":[]}"}`, code: CodeInvalidClientMetadata, field: "jwks"},
		{name: "localized not a string", body: `{"client_name#fr":["x"]}`, code: CodeInvalidClientMetadata, field: "client_name#fr"},

		// Limits.
		{name: "string too long", body: `{"client_name":"` + long + `"}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "array element too long", body: `{"contacts":["` + long + `"]}`, code: CodeInvalidClientMetadata, field: "contacts[0]"},
		{name: "string longer than option", body: `{"client_name":"0123456789ab"}`, opts: ParseOptions{MaxStringLength: 11},
			code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "array too long", body: `{"redirect_uris":` + manyURIs + `}`, code: CodeInvalidClientMetadata, field: "redirect_uris"},
		{name: "array longer than option", body: `{"grant_types":["a","b","c"]}`, opts: ParseOptions{MaxArrayLength: 2},
			code: CodeInvalidClientMetadata, field: "grant_types"},
		{name: "too many members", body: `{"a":1,"b":2,"c":3,"d":4}`, opts: ParseOptions{MaxMembers: 3},
			code: CodeInvalidClientMetadata, noDesc: true},
		{name: "member name too long", body: `{"` + longName + `":1}`, code: CodeInvalidClientMetadata, noDesc: true},
		{name: "empty member name", body: `{"":1}`, code: CodeInvalidClientMetadata, noDesc: true},

		// Control characters.
		{name: "nul in string", body: `{"client_name":"a\u0000b"}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "newline in string", body: `{"client_name":"a\nb"}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "tab in string", body: `{"scope":"openid\tprofile"}`, code: CodeInvalidClientMetadata, field: "scope"},
		{name: "delete in string", body: `{"client_uri":"https://a.example/\u007f"}`, code: CodeInvalidClientMetadata, field: "client_uri"},
		{name: "escape in array", body: `{"redirect_uris":["https://a.example/cb\r\nSet-Cookie: x"]}`, code: CodeInvalidClientMetadata, field: "redirect_uris[0]"},
		{name: "control in localized", body: `{"client_name#fr":"\u001b[31m"}`, code: CodeInvalidClientMetadata, field: "client_name#fr"},
		{name: "control in member name", body: `{"x\u0001":1}`, code: CodeInvalidClientMetadata, noDesc: true},

		// Language tags.
		{name: "invalid tag underscore", body: `{"client_name#ja_JP":"x"}`, code: CodeInvalidClientMetadata, field: "client_name"},
		{name: "invalid tag digit first", body: `{"logo_uri#1x":"https://a.example/l.png"}`, code: CodeInvalidClientMetadata, field: "logo_uri"},
		{name: "invalid tag long subtag", body: `{"tos_uri#en-abcdefghi":"https://a.example/t"}`, code: CodeInvalidClientMetadata, field: "tos_uri"},
		{name: "invalid tag empty subtag", body: `{"policy_uri#en--US":"https://a.example/p"}`, code: CodeInvalidClientMetadata, field: "policy_uri"},
		{name: "valid tags", body: `{"client_name":"Name","client_name#ja-Jpan-JP":"名前","client_uri#de":"https://a.example/de",
			"logo_uri#zh-Hant-TW":"https://a.example/l.png","tos_uri#en-US":"https://a.example/t","policy_uri#x-private-1":"https://a.example/p"}`,
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				want := map[string]string{"client_name#ja-Jpan-JP": "名前", "client_uri#de": "https://a.example/de",
					"logo_uri#zh-Hant-TW": "https://a.example/l.png", "tos_uri#en-US": "https://a.example/t",
					"policy_uri#x-private-1": "https://a.example/p"}
				if !reflect.DeepEqual(md.Localized, want) || md.ClientName != "Name" || md.Extensions != nil {
					t.Errorf("localized = %v, name %q, ext %v", md.Localized, md.ClientName, md.Extensions)
				}
			}},
		{name: "tag on non-localizable member is unknown", body: `{"scope#en":"x","client_name#":"y","#fr":"z"}`,
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				if md.Localized != nil || len(md.Extensions) != 3 || md.Scope != "" {
					t.Errorf("localized = %v, extensions = %v", md.Localized, md.Extensions)
				}
			}},

		// Reserved and unknown members.
		{name: "reserved members apart", body: `{"client_id":"abc","client_secret":"s3cr3t","client_id_issued_at":1,
			"client_secret_expires_at":0,"registration_access_token":"t","registration_client_uri":"https://x","client_name":"n"}`,
			check: func(t *testing.T, md Metadata, reserved map[string]json.RawMessage) {
				if len(reserved) != len(ReservedMembers()) {
					t.Fatalf("reserved = %v", reserved)
				}
				for _, r := range ReservedMembers() {
					if _, ok := reserved[r]; !ok {
						t.Errorf("%s not in reserved", r)
					}
				}
				if string(reserved["client_id"]) != `"abc"` || md.Extensions != nil || md.ClientName != "n" {
					t.Errorf("reserved = %v, extensions = %v", reserved, md.Extensions)
				}
			}},
		{name: "unknown members kept raw", body: `{"x_tier":{"a":[1,2.50,"s"]},"x_flag":true,"software_x":"v"}`,
			check: func(t *testing.T, md Metadata, reserved map[string]json.RawMessage) {
				if reserved != nil || len(md.Extensions) != 3 || string(md.Extensions["x_tier"]) != `{"a":[1,2.50,"s"]}` ||
					string(md.Extensions["x_flag"]) != "true" {
					t.Errorf("extensions = %v", md.Extensions)
				}
			}},
		{name: "every type decoded", body: `{"redirect_uris":["https://a.example/cb"],"client_name":"n","default_max_age":0,
			"require_auth_time":false,"jwks":{ "keys" : [ ] },"access_token_lifetime":-5,"grant_types":[]}`,
			check: func(t *testing.T, md Metadata, _ map[string]json.RawMessage) {
				if md.DefaultMaxAge == nil || *md.DefaultMaxAge != 0 || md.RequireAuthTime == nil || *md.RequireAuthTime ||
					string(md.JWKS) != `{"keys":[]}` || *md.AccessTokenLifetime != -5 || md.GrantTypes == nil || len(md.GrantTypes) != 0 {
					t.Errorf("got %+v", md)
				}
			}},
		{name: "empty object", body: ` { } `, check: func(t *testing.T, md Metadata, reserved map[string]json.RawMessage) {
			if !reflect.DeepEqual(md, Metadata{}) || reserved != nil {
				t.Errorf("got %+v %v", md, reserved)
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
				tc.check(t, md, reserved)
				return
			}
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("got %v, want *Error %s", err, tc.code)
			}
			if e.Code != tc.code || e.Status != http.StatusBadRequest {
				t.Fatalf("got %s/%d (%s), want %s/400", e.Code, e.Status, e.Description, tc.code)
			}
			if e.Description == "" {
				t.Error("empty description")
			}
			if !tc.noDesc && !strings.HasPrefix(e.Description, tc.field+": ") {
				t.Errorf("description %q does not start with %q", e.Description, tc.field+": ")
			}
			if !reflect.DeepEqual(md, Metadata{}) || reserved != nil {
				t.Error("partial metadata returned with an error")
			}
		})
	}
}

// fullMetadata sets every field of Metadata. Add a new field here, or
// TestMetadataRoundTrip fails.
func fullMetadata() Metadata {
	i := func(v int64) *int64 { return &v }
	b := func(v bool) *bool { return &v }
	return Metadata{
		RedirectURIs:            []string{"https://a.example/cb", "com.example.app:/cb"},
		TokenEndpointAuthMethod: "private_key_jwt",
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code", "code id_token"},
		ClientName:              "Name",
		ClientURI:               "https://a.example/",
		LogoURI:                 "https://a.example/logo.png",
		Scope:                   "openid profile",
		Contacts:                []string{"ops@a.example"},
		TOSURI:                  "https://a.example/tos",
		PolicyURI:               "https://a.example/policy",
		JWKSURI:                 "https://a.example/jwks",
		JWKS:                    json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y"}]}`),
		SoftwareID:              "sid",
		SoftwareVersion:         "1.2.3",
		SoftwareStatement:       "a.b.c",

		ApplicationType:              "native",
		SectorIdentifierURI:          "https://a.example/sector",
		SubjectType:                  "pairwise",
		IDTokenSignedResponseAlg:     "ES256",
		IDTokenEncryptedResponseAlg:  "RSA-OAEP",
		IDTokenEncryptedResponseEnc:  "A128GCM",
		UserinfoSignedResponseAlg:    "RS256",
		UserinfoEncryptedResponseAlg: "ECDH-ES",
		UserinfoEncryptedResponseEnc: "A256GCM",
		RequestObjectSigningAlg:      "PS256",
		RequestObjectEncryptionAlg:   "RSA-OAEP-256",
		RequestObjectEncryptionEnc:   "A192GCM",
		TokenEndpointAuthSigningAlg:  "ES384",
		DefaultMaxAge:                i(0),
		RequireAuthTime:              b(false),
		DefaultACRValues:             []string{"urn:acr:1"},
		InitiateLoginURI:             "https://a.example/login",
		RequestURIs:                  []string{"https://a.example/r#1"},
		RequireSignedRequestObject:   b(true),

		PostLogoutRedirectURIs:            []string{"https://a.example/bye"},
		FrontchannelLogoutURI:             "https://a.example/fc",
		FrontchannelLogoutSessionRequired: b(true),
		BackchannelLogoutURI:              "https://a.example/bc",
		BackchannelLogoutSessionRequired:  b(false),

		IdentityTokenLifetime:                 i(300),
		AccessTokenLifetime:                   i(3600),
		AuthorizationCodeLifetime:             i(60),
		AbsoluteRefreshTokenLifetime:          i(2592000),
		SlidingRefreshTokenLifetime:           i(1296000),
		ConsentLifetime:                       i(86400),
		RefreshTokenExpiration:                "sliding",
		RefreshTokenUsage:                     "OneTimeOnly",
		UpdateAccessTokenClaimsOnRefresh:      b(true),
		RequireConsent:                        b(false),
		AllowRememberConsent:                  b(true),
		AccessTokenType:                       "jwt",
		AllowedCORSOrigins:                    []string{"https://a.example"},
		RequireClientSecret:                   b(true),
		EnableLocalLogin:                      b(false),
		IdentityProviderRestrictions:          []string{"Google"},
		CoordinateLifetimeWithUserSession:     b(true),
		AllowedIdentityTokenSigningAlgorithms: []string{"ES256", "RS256"},

		Localized:  map[string]string{"client_name#ja-Jpan-JP": "名前", "logo_uri#fr": "https://a.example/fr.png"},
		Extensions: map[string]json.RawMessage{"x_tier": json.RawMessage(`{"a":[1,2]}`), "x_null": json.RawMessage(`null`)},
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	m := fullMetadata()
	v := reflect.ValueOf(m)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("fullMetadata leaves %s zero: set it", v.Type().Field(i).Name)
		}
	}
	if got, want := len(KnownFields()), v.NumField()-2; got != want {
		t.Errorf("KnownFields has %d names, Metadata %d JSON fields", got, want)
	}

	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Metadata
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("UnmarshalJSON(MarshalJSON(m)) != m\n got: %+v\nwant: %+v", back, m)
	}

	// The strict parser accepts what MarshalJSON writes and yields the same
	// value.
	parsed, reserved, err := ParseMetadata(b, ParseOptions{})
	if err != nil {
		t.Fatalf("ParseMetadata(MarshalJSON(m)): %v", err)
	}
	if reserved != nil || !reflect.DeepEqual(parsed, m) {
		t.Errorf("ParseMetadata(MarshalJSON(m)) != m\n got: %+v\nwant: %+v", parsed, m)
	}

	// Every member is written under its JSON name, flat.
	var flat map[string]json.RawMessage
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	for _, name := range KnownFields() {
		if _, ok := flat[name]; !ok {
			t.Errorf("%s missing from the JSON", name)
		}
	}
	for _, name := range []string{"client_name#ja-Jpan-JP", "logo_uri#fr", "x_tier", "x_null"} {
		if _, ok := flat[name]; !ok {
			t.Errorf("%s missing from the JSON", name)
		}
	}
}

func TestMetadataMarshalNeverOverridesKnownFields(t *testing.T) {
	m := Metadata{ClientName: "real", Extensions: map[string]json.RawMessage{
		"client_name": json.RawMessage(`"fake"`), "client_id": json.RawMessage(`"spoofed"`),
	}, Localized: map[string]string{"scope": "admin"}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"client_name":"real"}` {
		t.Errorf("got %s", b)
	}
	empty, err := json.Marshal(Metadata{})
	if err != nil || string(empty) != `{}` {
		t.Errorf("empty metadata: %s, %v", empty, err)
	}
	onlyExt, err := json.Marshal(Metadata{Extensions: map[string]json.RawMessage{"b": json.RawMessage(`{ "x" : 1 }`), "a": json.RawMessage(`2`)}})
	if err != nil || string(onlyExt) != `{"a":2,"b":{"x":1}}` {
		t.Errorf("extensions only: %s, %v", onlyExt, err)
	}
}

// TestMetadataCloneIsDeep: a clone shares no slice, pointer or map with the
// original, and equals it.
func TestMetadataCloneIsDeep(t *testing.T) {
	m := fullMetadata()
	c := m.Clone()
	if !reflect.DeepEqual(c, m) {
		t.Fatal("clone differs")
	}
	mv, cv := reflect.ValueOf(m), reflect.ValueOf(c)
	for i := 0; i < mv.NumField(); i++ {
		f := mv.Type().Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Pointer, reflect.Map:
			if mv.Field(i).UnsafePointer() == cv.Field(i).UnsafePointer() {
				t.Errorf("Clone shares %s", f.Name)
			}
		}
	}
	c.Extensions["x_tier"][0] = 'X'
	if m.Extensions["x_tier"][0] == 'X' {
		t.Error("Clone shares an extension value")
	}
}

// TestCountMembers checks that scanBody finds the members of the top-level
// object, and only those; a repeated name is refused (want -1).
func TestCountMembers(t *testing.T) {
	tests := []struct {
		name string
		body string
		want int
	}{
		{name: "empty", body: `{}`, want: 0},
		{name: "string values", body: `{"a":"x","b":"y"}`, want: 2},
		{name: "nested objects not counted", body: `{"a":{"b":1,"c":"d"},"e":[{"f":"g"}]}`, want: 2},
		{name: "escaped quote in a value", body: `{"a":"x\"y:\"","b":1}`, want: 2},
		{name: "escaped backslash", body: `{"a\\":"x\\","b":"\\\""}`, want: 2},
		{name: "whitespace", body: " {\n \"a\" :\t \"x\" ,\r\n\"a\": true }", want: -1},
		{name: "whitespace distinct", body: " {\n \"a\" :\t \"x\" ,\r\n\"b\": true }", want: 2},
		{name: "duplicate", body: `{"a":1,"a":2}`, want: -1},
		{name: "duplicate spelled with an escape", body: `{"a":1,"\u0061":2}`, want: -1},
		{name: "same name in different objects", body: `{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`, want: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			members, err := scanBody([]byte(tc.body), ParseOptions{}.withDefaults())
			got := len(members)
			if err != nil {
				got = -1
			}
			if got != tc.want {
				t.Errorf("scanBody(%s) found %d members (err %v), want %d", tc.body, got, err, tc.want)
			}
		})
	}
}

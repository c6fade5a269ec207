package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// ecPublicJWK returns a fresh P-256 public key as a JWK.
func ecPublicJWK(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	coord := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	raw, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"kty":"EC","crv":"P-256","kid":"ec1","use":"sig","alg":"ES256","x":%q,"y":%q}`,
		coord(raw[1:33]), coord(raw[33:]))
}

// TestBodyRules: the rules of the whole request body over a real listener
// (issue 9, items 2, 3 and 4): each refused body answers 400 with a
// description naming where, and stores nothing. (The HTTP layer writes the
// description's double quotes as single quotes.)
func TestBodyRules(t *testing.T) {
	s := startServer(t)
	const cb = `"redirect_uris":["https://app.example.com/cb"]`
	octJWK := `{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0","kid":"sym"}`
	ec := ecPublicJWK(t)
	pkjwt := func(set string) string {
		return `{` + cb + `,"token_endpoint_auth_method":"private_key_jwt","jwks":` + set + `}`
	}
	tests := []struct {
		name, body string
		code, desc string
	}{
		// Item 2.
		{name: "nested_too_deep", body: `{` + cb + `,"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
			code: "invalid_client_metadata", desc: "x" + strings.Repeat("[0]", 31) + ": nested deeper than 32 levels"},
		{name: "jwks_nested_too_deep", body: pkjwt(`{"keys":[` + strings.TrimSuffix(ec, "}") + `,"x_ext":` + strings.Repeat("[", 30) + strings.Repeat("]", 30) + `}]}`),
			code: "invalid_client_metadata", desc: "jwks.keys[0].x_ext" + strings.Repeat("[0]", 28) + ": nested deeper than 32 levels"},
		// Item 3.
		{name: "case_twin_member", body: `{` + cb + `,"REDIRECT_URIS":["javascript:alert(1)"]}`,
			code: "invalid_client_metadata", desc: "REDIRECT_URIS: differs from the member redirect_uris only in letter case (member names are case-sensitive)"},
		{name: "jwks_case_twin", body: pkjwt(`{"keys":[` + ec + `],"KEYS":[` + octJWK + `]}`),
			code: "invalid_client_metadata", desc: `jwks: member 'KEYS' differs from 'keys' only in letter case (member names are case-sensitive)`},
		{name: "jwk_case_twin", body: pkjwt(`{"keys":[` + strings.TrimSuffix(ec, "}") + `,"KTY":"oct"}]}`),
			code: "invalid_client_metadata", desc: `jwks.keys[0]: member 'KTY' differs from 'kty' only in letter case (member names are case-sensitive)`},
		{name: "duplicate_nested_member", body: `{` + cb + `,"x":{"a":1,"a":2}}`,
			code: "invalid_client_metadata", desc: "x.a: duplicate member"},
		// Item 4.
		{name: "invalid_utf8_unknown_member", body: "{" + cb + ",\"x\":\"\xff\xfe\"}",
			code: "invalid_client_metadata", desc: "x: not valid UTF-8"},
		{name: "invalid_utf8_then_escape", body: "{" + cb + ",\"client_name\":\"\xff\\u0041\"}",
			code: "invalid_client_metadata", desc: "client_name: not valid UTF-8"},
		{name: "lone_surrogate", body: `{` + cb + `,"client_name":"\ud800"}`,
			code: "invalid_client_metadata", desc: "client_name: not valid UTF-8 (lone surrogate)"},
		{name: "control_in_nested_value", body: `{` + cb + `,"x":{"y":["a\u0007"]}}`,
			code: "invalid_client_metadata", desc: "x.y[0]: contains a control character"},
		{name: "long_unknown_string", body: `{` + cb + `,"x":"` + strings.Repeat("a", 3000) + `"}`,
			code: "invalid_client_metadata", desc: "x: longer than 2048 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := s.do(t, "POST", "/connect/dcr", initialToken, tc.body)
			expect(t, a, http.StatusBadRequest, tc.code)
			if got := a.str("error_description"); got != tc.desc {
				t.Errorf("error_description = %q, want %q", got, tc.desc)
			}
			golden(t, "error_"+tc.name, a)
		})
	}
	if n := s.count(t); n != 0 {
		t.Errorf("%d clients stored after refused bodies, want 0", n)
	}
}

// keepConfig is e2eConfig with unknown metadata kept, the deepest nesting
// allowed and room for the bodies that need it.
func keepConfig(limits string) string {
	c := strings.Replace(e2eConfig, "max_body_bytes  = 4096", "max_body_bytes  = 65536\n"+limits, 1)
	return strings.Replace(c, `default_scope               = "openid"`, `default_scope               = "openid"
    keep_unknown_metadata       = true`, 1)
}

// TestDeepBodyReadsBack: a body nested as deep as the configuration
// allows (the most it can: sdk.MaxDepthLimit) is accepted, read back, put
// back and deleted on SQLite (issue 9 item 2: a 201 stays readable).
func TestDeepBodyReadsBack(t *testing.T) {
	s, err := startServerWith(t, keepConfig("  max_nesting_depth = 1000"))
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 998) + `{"k":"v"}` + strings.Repeat("]", 998) // levels 2 to 1000
	body := `{"redirect_uris":["https://app.example.com/cb"],"x_deep":` + deep + `}`
	created := s.do(t, "POST", "/connect/dcr", initialToken, body)
	expect(t, created, http.StatusCreated, "")
	tooDeep := s.do(t, "POST", "/connect/dcr", initialToken, `{"redirect_uris":["https://app.example.com/cb"],"x_deep":[`+deep+`]}`)
	expect(t, tooDeep, http.StatusBadRequest, "invalid_client_metadata")

	path := "/connect/dcr/" + created.str("client_id")
	read := s.do(t, "GET", path, created.str("registration_access_token"), nil)
	expect(t, read, http.StatusOK, "")
	if !reflect.DeepEqual(read.body["x_deep"], created.body["x_deep"]) {
		t.Fatal("x_deep differs after a read")
	}
	put := map[string]any{}
	for k, v := range read.body {
		put[k] = v
	}
	for _, k := range []string{"registration_access_token", "registration_client_uri", "client_id_issued_at", "client_secret_expires_at", "client_secret"} {
		delete(put, k)
	}
	updated := s.do(t, "PUT", path, read.str("registration_access_token"), put)
	expect(t, updated, http.StatusOK, "")
	expect(t, s.do(t, "DELETE", path, updated.str("registration_access_token"), nil), http.StatusNoContent, "")
}

// TestUnknownMetadataBound: max_unknown_metadata_bytes bounds the unknown
// members a profile keeps (issue 9 item 4); a profile that drops them
// ignores them whatever their size (RFC 7591 §2).
func TestUnknownMetadataBound(t *testing.T) {
	body := `{"redirect_uris":["https://app.example.com/cb"],"x_a":"` + strings.Repeat("a", 40) + `","x_b":"` + strings.Repeat("b", 40) + `"}`

	keep, err := startServerWith(t, keepConfig("  max_unknown_metadata_bytes = 64"))
	if err != nil {
		t.Fatal(err)
	}
	a := keep.do(t, "POST", "/connect/dcr", initialToken, body)
	expect(t, a, http.StatusBadRequest, "invalid_client_metadata")
	if want := "x_b: the unknown members exceed 64 bytes in total"; a.str("error_description") != want {
		t.Errorf("error_description = %q, want %q", a.str("error_description"), want)
	}
	golden(t, "error_unknown_metadata_too_large", a)
	ok := keep.do(t, "POST", "/connect/dcr", initialToken, `{"redirect_uris":["https://app.example.com/cb"],"x_a":"kept"}`)
	expect(t, ok, http.StatusCreated, "")
	if ok.str("x_a") != "kept" {
		t.Errorf("x_a = %v, want it kept", ok.body["x_a"])
	}

	drop, err := startServerWith(t, strings.Replace(e2eConfig, "max_body_bytes  = 4096", "max_body_bytes  = 4096\n  max_unknown_metadata_bytes = 64", 1))
	if err != nil {
		t.Fatal(err)
	}
	dropped := drop.do(t, "POST", "/connect/dcr", initialToken, body)
	expect(t, dropped, http.StatusCreated, "")
	if _, has := dropped.body["x_a"]; has {
		t.Error("a profile without keep_unknown_metadata kept x_a")
	}
}

// TestUpdateNullServerManaged: on an RFC 7592 update, null for a
// server-managed member means the member is omitted (RFC 7592 §2.2;
// issue 9 item 17), so client_id: null is a missing client_id.
func TestUpdateNullServerManaged(t *testing.T) {
	s := startServer(t)
	created := s.do(t, "POST", "/connect/dcr", initialToken, map[string]any{
		"client_name": "nulls", "redirect_uris": []string{"https://app.example.com/cb"},
	})
	expect(t, created, http.StatusCreated, "")
	id, rat := created.str("client_id"), created.str("registration_access_token")
	path := "/connect/dcr/" + id
	body := map[string]any{
		"client_id":     id,
		"redirect_uris": []string{"https://app.example.com/cb"},
		"client_name":   "nulls v2",
	}
	for _, k := range []string{"registration_client_uri", "client_id_issued_at", "client_secret_expires_at", "registration_access_token", "client_secret"} {
		body[k] = nil
	}
	updated := s.do(t, "PUT", path, rat, body)
	expect(t, updated, http.StatusOK, "")
	golden(t, "update_null_server_managed", updated)
	if updated.str("client_secret") != "" {
		t.Error("client_secret: null re-sent or replaced the secret")
	}
	if updated.body["client_id_issued_at"] != created.body["client_id_issued_at"] {
		t.Errorf("client_id_issued_at changed: %v -> %v", created.body["client_id_issued_at"], updated.body["client_id_issued_at"])
	}
	rat = updated.str("registration_access_token")

	noID := map[string]any{"client_id": nil, "redirect_uris": []string{"https://app.example.com/cb"}}
	refused := s.do(t, "PUT", path, rat, noID)
	expect(t, refused, http.StatusBadRequest, "invalid_request")
	golden(t, "error_update_null_client_id", refused)

	after := s.do(t, "GET", path, rat, nil)
	expect(t, after, http.StatusOK, "")
	if got := after.str("client_name"); got != "nulls v2" {
		t.Errorf("client_name = %q after the refused update", got)
	}
}

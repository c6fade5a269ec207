package sdk

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// ---------------------------------------------------------------------------
// Fixtures.

const cb = "https://app.example.com/cb"

// testPolicy allows everything Registrar knows, so that each case narrows
// only what it tests.
func testPolicy() Policy {
	return Policy{
		GrantTypes:       KnownGrantTypes(),
		ResponseTypes:    KnownResponseTypes(),
		AuthMethods:      KnownAuthMethods(),
		Scopes:           []string{"openid", "profile", "email", "api:read", "offline_access"},
		DefaultScope:     "openid",
		RedirectURIMode:  RedirectURIModeStandard,
		SigningAlgs:      []string{"RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256", "HS512"},
		SecretEncryption: true,
		MaxLifetime:      30 * 24 * 3600,
	}
}

var (
	allowHTTP   = func(p *Policy) { p.AllowHTTPRedirects = true }
	strict      = func(p *Policy) { p.RedirectURIMode = RedirectURIModeStrict }
	keepExt     = func(p *Policy) { p.KeepUnknownMetadata = true }
	inferNative = func(p *Policy) { p.InferNativeApplicationType = true }
)

// cursorCB is the private-use redirect URI of a Cursor-like MCP client.
const cursorCB = "cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback"

// public builds a public client request without application_type, with
// the given redirect URIs.
func public(uris ...string) string {
	b, _ := json.Marshal(uris)
	return `{"token_endpoint_auth_method":"none","redirect_uris":` + string(b) + `}`
}

func grantsOnly(g ...string) func(*Policy) { return func(p *Policy) { p.GrantTypes = g } }

func responsesOnly(r ...string) func(*Policy) { return func(p *Policy) { p.ResponseTypes = r } }

func methodsOnly(m ...string) func(*Policy) { return func(p *Policy) { p.AuthMethods = m } }

func both(fs ...func(*Policy)) func(*Policy) {
	return func(p *Policy) {
		for _, f := range fs {
			f(p)
		}
	}
}

// web builds a request body with one valid web redirect URI and members.
func web(members string) string {
	if members == "" {
		return `{"redirect_uris":["` + cb + `"]}`
	}
	return `{"redirect_uris":["` + cb + `"],` + members + `}`
}

// redir builds a web request with the given redirect URIs.
func redir(uris ...string) string {
	b, _ := json.Marshal(uris)
	return `{"redirect_uris":` + string(b) + `}`
}

// implicitRedir builds a web request for the implicit grant type with the
// given redirect URIs.
func implicitRedir(uris ...string) string {
	b, _ := json.Marshal(uris)
	return `{"grant_types":["implicit"],"redirect_uris":` + string(b) + `}`
}

// nativeRedir builds a native request with the given redirect URIs.
func nativeRedir(uris ...string) string {
	b, _ := json.Marshal(uris)
	return `{"application_type":"native","redirect_uris":` + string(b) + `}`
}

// native builds a native public client with members, and a loopback
// redirect URI unless members has redirect_uris.
func native(members string) string {
	s := `{"application_type":"native","token_endpoint_auth_method":"none"`
	if !strings.Contains(members, `"redirect_uris"`) {
		s += `,"redirect_uris":["http://127.0.0.1/cb"]`
	}
	if members != "" {
		s += "," + members
	}
	return s + "}"
}

// defaultWeb is the metadata of a minimal web client: what web("") yields.
const defaultWeb = `{"redirect_uris":["` + cb + `"],"token_endpoint_auth_method":"client_secret_basic",
	"grant_types":["authorization_code"],"response_types":["code"],"scope":"openid","application_type":"web"}`

// wantWeb is defaultWeb with extra members; a null member removes one.
func wantWeb(extra string) string { return merge(defaultWeb, extra) }

const defaultNative = `{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none",
	"grant_types":["authorization_code"],"response_types":["code"],"scope":"openid","application_type":"native"}`

func wantNative(extra string) string { return merge(defaultNative, extra) }

func merge(base, extra string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		panic(err)
	}
	if extra != "" {
		var e map[string]any
		if err := json.Unmarshal([]byte("{"+extra+"}"), &e); err != nil {
			panic("bad extra " + extra + ": " + err.Error())
		}
		for k, v := range e {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Keys for jwks cases, made once per test binary.
var (
	ecKey     = mustEC(elliptic.P256())
	ec384Key  = mustEC(elliptic.P384())
	edPub, _  = mustEd()
	ecJWK     = jwkJSON(&ecKey.PublicKey, "ec1", "ES256", "sig")
	ec384JWK  = jwkJSON(&ec384Key.PublicKey, "ec384", "", "")
	edJWK     = jwkJSON(edPub, "ed1", "EdDSA", "sig")
	rsaJWK    = jwkJSON(fakeRSA(2048), "rsa1", "RS256", "")
	rsaEncJWK = jwkJSON(fakeRSA(2048), "rsa-enc", "RSA-OAEP-256", "enc")
	rsa1024   = jwkJSON(fakeRSA(1024), "small", "", "")
	ecPrivJWK = jwkJSON(ecKey, "ec-private", "ES256", "sig")
	octJWK    = `{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0","kid":"sym"}`
)

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEd() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return pub, priv
}

// fakeRSA returns an RSA public key with a modulus of the given size. The
// modulus is not a product of two primes: validation only looks at its
// size, and generating real keys would slow the tests down.
func fakeRSA(bits int) *rsa.PublicKey {
	b := make([]byte, bits/8)
	for i := range b {
		b[i] = byte(i*37 + 11)
	}
	b[0] |= 0x80
	b[len(b)-1] |= 1
	return &rsa.PublicKey{N: new(big.Int).SetBytes(b), E: 65537}
}

func jwkJSON(key any, kid, alg, use string) string {
	b, err := jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: use}.MarshalJSON()
	if err != nil {
		panic(err)
	}
	return string(b)
}

// setMember returns the JSON object s with member name set to v, or removed
// when v is nil.
func setMember(s, name string, v any) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	if v == nil {
		delete(m, name)
	} else {
		m[name] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func member(s, name string) any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m[name]
}

func jwks(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

// pkjwt is a private_key_jwt web client with the given jwks member value.
func pkjwt(set string) string {
	return web(`"token_endpoint_auth_method":"private_key_jwt","jwks":` + set)
}

// ---------------------------------------------------------------------------
// The table runner.

// tcase is one request run through Run(DefaultSteps{}). An error case sets
// code and field: the answer must carry that code, status 400, and a
// description starting with "field: ". A valid case sets want: the exact
// accepted metadata as JSON.
type tcase struct {
	name   string
	body   string
	update bool
	policy func(*Policy)
	claims map[string]any
	code   string
	field  string
	want   string
}

func runRequest(t *testing.T, tc tcase) (RegistrationContext, error) {
	t.Helper()
	md, _, err := ParseMetadata([]byte(tc.body), ParseOptions{Update: tc.update})
	if err != nil {
		if tc.code == "" {
			t.Fatalf("ParseMetadata(%s): %v", tc.body, err)
		}
		// The parser refuses some bodies before any step runs (a duplicate
		// member anywhere, for one): the error case holds all the same.
		return RegistrationContext{}, err
	}
	p := testPolicy()
	if tc.policy != nil {
		tc.policy(&p)
	}
	op := OperationCreate
	if tc.update {
		op = OperationUpdate
	}
	rc := RegistrationContext{
		Operation:               op,
		Request:                 md,
		SoftwareStatementClaims: tc.claims,
		Policy:                  p,
		Now:                     time.Unix(1_700_000_000, 0),
	}
	return Run(context.Background(), DefaultSteps{}, rc)
}

func runTable(t *testing.T, cases []tcase) {
	t.Helper()
	names := map[string]bool{}
	for _, tc := range cases {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			out, err := runRequest(t, tc)
			if tc.code != "" {
				if tc.field == "" {
					t.Fatal("error case without field")
				}
				e, ok := AsError(err)
				if !ok {
					t.Fatalf("got %v (%T), want *Error %s", err, err, tc.code)
				}
				if e.Code != tc.code {
					t.Fatalf("code = %s (%s), want %s", e.Code, e.Description, tc.code)
				}
				if e.Status != http.StatusBadRequest {
					t.Errorf("status = %d, want 400", e.Status)
				}
				if !strings.HasPrefix(e.Description, tc.field+": ") {
					t.Errorf("description %q does not start with %q", e.Description, tc.field+": ")
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			got, err := json.Marshal(out.Client.Metadata)
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, got, []byte(tc.want))
		})
	}
}

func assertJSONEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("metadata mismatch\n got: %s\nwant: %s", canon(g), canon(w))
	}
}

func canon(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// allTables lists every table, for the count check.
func allTables() map[string][]tcase {
	return map[string][]tcase{
		"software_statement": softwareStatementCases(),
		"application_type":   applicationTypeCases(),
		"grant_types":        grantTypeCases(),
		"redirect_uris":      redirectCases(),
		"auth_method":        authMethodCases(),
		"scopes":             scopeCases(),
		"names":              nameCases(),
		"oidc":               oidcCases(),
		"extensions":         extensionCases(),
		"unknown":            unknownCases(),
	}
}

func TestDefaultStepsSoftwareStatement(t *testing.T) { runTable(t, softwareStatementCases()) }
func TestDefaultStepsApplicationType(t *testing.T)   { runTable(t, applicationTypeCases()) }
func TestDefaultStepsGrantTypes(t *testing.T)        { runTable(t, grantTypeCases()) }
func TestDefaultStepsRedirectURIs(t *testing.T)      { runTable(t, redirectCases()) }
func TestDefaultStepsAuthMethod(t *testing.T)        { runTable(t, authMethodCases()) }
func TestDefaultStepsScopes(t *testing.T)            { runTable(t, scopeCases()) }
func TestDefaultStepsNames(t *testing.T)             { runTable(t, nameCases()) }
func TestDefaultStepsOpenIDConnect(t *testing.T)     { runTable(t, oidcCases()) }
func TestDefaultStepsExtensions(t *testing.T)        { runTable(t, extensionCases()) }
func TestDefaultStepsUnknown(t *testing.T)           { runTable(t, unknownCases()) }

// TestDefaultStepsCaseCount keeps the tables honest: every step has hostile
// and valid cases, and there are plenty of hostile ones overall.
func TestDefaultStepsCaseCount(t *testing.T) {
	hostile, valid := 0, 0
	for name, cases := range allTables() {
		h, v := 0, 0
		for _, tc := range cases {
			if tc.code != "" {
				h++
			} else {
				v++
			}
		}
		if v == 0 {
			t.Errorf("table %s has no valid case", name)
		}
		if h == 0 && name != "unknown" {
			t.Errorf("table %s has no hostile case", name)
		}
		hostile += h
		valid += v
	}
	if hostile < 70 {
		t.Errorf("%d hostile cases, want at least 70", hostile)
	}
	t.Logf("%d hostile and %d valid cases", hostile, valid)
}

// ---------------------------------------------------------------------------
// Properties of the steps as a whole.

// fullRequest sets every member DefaultSteps accepts, apart from jwks_uri
// (exclusive with jwks), on a native-free web client.
func fullRequest() string {
	return `{
	"redirect_uris":["https://app.example.com/cb","https://app.example.com/cb2"],
	"token_endpoint_auth_method":"private_key_jwt",
	"grant_types":["authorization_code","implicit","refresh_token"],
	"response_types":["code id_token","code"],
	"client_name":"Example App","client_name#ja-Jpan-JP":"例",
	"client_uri":"https://app.example.com/","logo_uri":"https://app.example.com/logo.png",
	"scope":"openid profile","contacts":["ops@example.com"],
	"tos_uri":"https://app.example.com/tos","policy_uri":"https://app.example.com/privacy",
	"jwks":` + jwks(ecJWK, rsaEncJWK) + `,
	"software_id":"4NRB1-0XZABZI9E6-5SM3R","software_version":"2.1",
	"software_statement":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
	"application_type":"web","sector_identifier_uri":"https://app.example.com/sector.json",
	"subject_type":"pairwise",
	"id_token_signed_response_alg":"ES256","id_token_encrypted_response_alg":"RSA-OAEP-256",
	"id_token_encrypted_response_enc":"A256GCM",
	"userinfo_signed_response_alg":"RS256","userinfo_encrypted_response_alg":"ECDH-ES",
	"userinfo_encrypted_response_enc":"A128CBC-HS256",
	"request_object_signing_alg":"PS256","request_object_encryption_alg":"RSA-OAEP",
	"request_object_encryption_enc":"A192GCM",
	"token_endpoint_auth_signing_alg":"ES256",
	"default_max_age":0,"require_auth_time":false,"default_acr_values":["urn:mace:incommon:iap:silver"],
	"initiate_login_uri":"https://app.example.com/login","request_uris":["https://app.example.com/req#abc"],
	"require_signed_request_object":true,
	"post_logout_redirect_uris":["https://app.example.com/bye"],
	"frontchannel_logout_uri":"https://app.example.com/fc","frontchannel_logout_session_required":true,
	"backchannel_logout_uri":"https://app.example.com/bc","backchannel_logout_session_required":false,
	"identity_token_lifetime":300,"access_token_lifetime":3600,"authorization_code_lifetime":60,
	"absolute_refresh_token_lifetime":2592000,"sliding_refresh_token_lifetime":1296000,
	"consent_lifetime":86400,"refresh_token_expiration":"Sliding","refresh_token_usage":"OneTimeOnly",
	"update_access_token_claims_on_refresh":true,"require_consent":false,"allow_remember_consent":true,
	"access_token_type":"Jwt","allowed_cors_origins":["https://app.example.com"],
	"require_client_secret":true,"enable_local_login":false,
	"identity_provider_restrictions":["Google"],"coordinate_lifetime_with_user_session":true,
	"allowed_identity_token_signing_algorithms":["ES256","RS256"],
	"x_vendor":{"a":[1,2]}
}`
}

// TestDefaultStepsEveryField proves that no Metadata field is forgotten:
// a request setting every member yields a client with every field set. A
// field added to Metadata without a step fails here.
func TestDefaultStepsEveryField(t *testing.T) {
	out, err := runRequest(t, tcase{body: fullRequest(), policy: keepExt,
		claims: map[string]any{"iss": "https://directory.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	withURI, err := runRequest(t, tcase{body: setMember(setMember(fullRequest(), "jwks", nil),
		"jwks_uri", "https://app.example.com/jwks.json"), policy: keepExt,
		claims: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	md := out.Client.Metadata
	md.JWKSURI = withURI.Client.Metadata.JWKSURI
	v := reflect.ValueOf(md)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("field %s is not set by DefaultSteps", v.Type().Field(i).Name)
		}
	}
	// Duende's spellings, echoed as sent.
	if md.RefreshTokenExpiration != "Sliding" || md.RefreshTokenUsage != "OneTimeOnly" || md.AccessTokenType != "Jwt" {
		t.Errorf("enums not Duende's spelling: %q %q %q", md.RefreshTokenExpiration, md.RefreshTokenUsage, md.AccessTokenType)
	}
	if !reflect.DeepEqual(md.ResponseTypes, []string{"code id_token", "code"}) {
		t.Errorf("response_types = %q", md.ResponseTypes)
	}
}

// TestDefaultStepsDoNotMutateInput runs every step on a full request and
// checks that the argument is unchanged (value in, value out).
func TestDefaultStepsDoNotMutateInput(t *testing.T) {
	md, _, err := ParseMetadata([]byte(fullRequest()), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := testPolicy()
	p.KeepUnknownMetadata = true
	claims := map[string]any{"client_name": "From Statement", "client_name#fr": "Depuis", "iss": "x"}
	rc := RegistrationContext{
		Operation:               OperationCreate,
		Request:                 md,
		SoftwareStatementClaims: claims,
		Policy:                  p,
		Client:                  Client{Metadata: Metadata{Localized: map[string]string{"client_name#de": "alt"}}},
		Items:                   map[string]string{"k": "v"},
	}
	before := deepCopyRC(t, rc)
	s := DefaultSteps{}
	steps := []func(context.Context, RegistrationContext) (RegistrationContext, error){
		s.SoftwareStatement, s.ApplicationType, s.GrantTypes, s.RedirectURIs, s.AuthMethod,
		s.Scopes, s.Names, s.OpenIDConnect, s.Extensions, s.Unknown,
	}
	cur := rc
	for i, step := range steps {
		in := cur
		inCopy := deepCopyRC(t, in)
		next, err := step(context.Background(), in)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !reflect.DeepEqual(deepCopyRC(t, in), inCopy) {
			t.Fatalf("step %d modified its argument", i)
		}
		cur = next
	}
	if !reflect.DeepEqual(deepCopyRC(t, rc), before) {
		t.Fatal("the original context changed")
	}
	// The claims won over the request, in the merged request only.
	if cur.Client.Metadata.ClientName != "From Statement" || cur.Client.Metadata.Localized["client_name#fr"] != "Depuis" {
		t.Errorf("claims not applied: %q %v", cur.Client.Metadata.ClientName, cur.Client.Metadata.Localized)
	}
	if rc.Request.ClientName != "Example App" || rc.Request.Localized["client_name#fr"] != "" {
		t.Error("claims leaked into the argument's request")
	}
	// The result shares no slice or map with the request.
	cur.Client.Metadata.RedirectURIs[0] = "changed"
	cur.Client.Metadata.Localized["client_name#ja-Jpan-JP"] = "changed"
	cur.Client.Metadata.Extensions["x_vendor"][0] = 'X'
	if rc.Request.RedirectURIs[0] == "changed" || rc.Request.Localized["client_name#ja-Jpan-JP"] == "changed" ||
		rc.Request.Extensions["x_vendor"][0] == 'X' {
		t.Error("result aliases the request")
	}
}

// deepCopyRC copies the parts of a context the steps could touch.
func deepCopyRC(t *testing.T, rc RegistrationContext) RegistrationContext {
	t.Helper()
	c := rc
	c.Request = rc.Request.Clone()
	c.Client = rc.Client.Clone()
	if rc.SoftwareStatementClaims != nil {
		c.SoftwareStatementClaims = map[string]any{}
		for k, v := range rc.SoftwareStatementClaims {
			c.SoftwareStatementClaims[k] = v
		}
	}
	if rc.Items != nil {
		c.Items = map[string]string{}
		for k, v := range rc.Items {
			c.Items[k] = v
		}
	}
	c.Policy.GrantTypes = cloneStrings(rc.Policy.GrantTypes)
	c.Policy.ResponseTypes = cloneStrings(rc.Policy.ResponseTypes)
	c.Policy.AuthMethods = cloneStrings(rc.Policy.AuthMethods)
	c.Policy.Scopes = cloneStrings(rc.Policy.Scopes)
	c.Policy.SigningAlgs = cloneStrings(rc.Policy.SigningAlgs)
	return c
}

// TestRunStartsFromEmptyMetadata: nothing of a previous client survives an
// update unless the request carries it (RFC 7592 §2.2 replaces).
func TestRunStartsFromEmptyMetadata(t *testing.T) {
	md, _, err := ParseMetadata([]byte(`{"redirect_uris":["`+cb+`"],"client_name":null}`), ParseOptions{Update: true})
	if err != nil {
		t.Fatal(err)
	}
	old := Metadata{ClientName: "Old", Contacts: []string{"old@example.com"}, Scope: "email",
		Extensions: map[string]json.RawMessage{"x": json.RawMessage(`1`)}}
	rc := RegistrationContext{Operation: OperationUpdate, Request: md, Policy: testPolicy(),
		Client: Client{ID: "c1", Metadata: old}}
	out, err := Run(context.Background(), DefaultSteps{}, rc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(out.Client.Metadata)
	assertJSONEqual(t, got, []byte(defaultWeb))
	if out.Client.ID != "c1" {
		t.Error("Run lost the client id")
	}
}

// strictHosts is a company policy written the documented way: embed
// DefaultSteps, redefine one step, call the base.
type strictHosts struct{ DefaultSteps }

func (s strictHosts) RedirectURIs(ctx context.Context, rc RegistrationContext) (RegistrationContext, error) {
	rc, err := s.DefaultSteps.RedirectURIs(ctx, rc)
	if err != nil {
		return rc, err
	}
	for i, u := range rc.Client.Metadata.RedirectURIs {
		if !strings.HasPrefix(u, "https://app.example.com/") {
			return rc, ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: must be on app.example.com", i)
		}
	}
	return rc, nil
}

func TestDefaultStepsEmbedding(t *testing.T) {
	rc := RegistrationContext{Operation: OperationCreate, Policy: testPolicy()}
	rc.Request.RedirectURIs = []string{cb}
	if _, err := Run(context.Background(), strictHosts{}, rc); err != nil {
		t.Fatalf("allowed host refused: %v", err)
	}
	rc.Request.RedirectURIs = []string{"https://other.example.com/cb"}
	_, err := Run(context.Background(), strictHosts{}, rc)
	if !errors.Is(err, ErrInvalidRedirectURI()) || !strings.Contains(err.Error(), "app.example.com") {
		t.Fatalf("override not called: %v", err)
	}
	// The base rules still apply through the override.
	rc.Request.RedirectURIs = []string{"javascript:alert(1)"}
	if _, err := Run(context.Background(), strictHosts{}, rc); !errors.Is(err, ErrInvalidRedirectURI()) {
		t.Fatalf("base step not applied: %v", err)
	}
}

func TestDefaultStepsHonourCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, DefaultSteps{}, RegistrationContext{Policy: testPolicy()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestDefaultStepsPrototypesUntouched: refining an error never changes the
// package-level prototype.
func TestDefaultStepsPrototypesUntouched(t *testing.T) {
	for _, tables := range allTables() {
		for _, tc := range tables {
			_, _ = runRequest(t, tc)
		}
	}
	for _, e := range []*Error{ErrInvalidClientMetadata(), ErrInvalidRedirectURI(), ErrInvalidSoftwareStatement(), ErrUnapprovedSoftwareStatement()} {
		if e.Description != "" {
			t.Errorf("prototype %s changed: %q", e.Code, e.Description)
		}
	}
}

// TestDefaultStepsStepByStep calls single steps directly, as a plugin that
// replaces the others would.
func TestDefaultStepsStepByStep(t *testing.T) {
	ctx := context.Background()
	s := DefaultSteps{}
	rc := RegistrationContext{Policy: testPolicy()}
	rc.Request.RedirectURIs = []string{"myapp:/cb"}
	rc.Request.ApplicationType = ApplicationTypeNative
	// Without the ApplicationType step, RedirectURIs falls back to the
	// request's application type.
	out, err := s.RedirectURIs(ctx, rc)
	if err != nil {
		t.Fatalf("native private-use scheme refused: %v", err)
	}
	if !reflect.DeepEqual(out.Client.Metadata.RedirectURIs, []string{"myapp:/cb"}) {
		t.Errorf("redirect_uris = %q", out.Client.Metadata.RedirectURIs)
	}
	// Without the GrantTypes step, no grant requires redirect URIs.
	rc.Request.RedirectURIs = nil
	if _, err := s.RedirectURIs(ctx, rc); err != nil {
		t.Errorf("redirect_uris required without grants: %v", err)
	}
	// AuthMethod falls back to the request's grant types.
	rc.Request.TokenEndpointAuthMethod = AuthNone
	rc.Request.GrantTypes = []string{GrantClientCredentials}
	if _, err := s.AuthMethod(ctx, rc); !errors.Is(err, ErrInvalidClientMetadata()) {
		t.Errorf("none with client_credentials: %v", err)
	}
	// A Localized entry on a member without language support (only a
	// plugin could build one) is refused.
	rc = RegistrationContext{Policy: testPolicy()}
	rc.Request.Localized = map[string]string{"scope#en": "x"}
	if _, err := s.Names(ctx, rc); !errors.Is(err, ErrInvalidClientMetadata()) {
		t.Errorf("scope#en accepted: %v", err)
	}
	// A jwks that is not an object (only a plugin could set one).
	rc = RegistrationContext{Policy: testPolicy()}
	rc.Request.JWKS = json.RawMessage(`[1]`)
	if _, err := s.AuthMethod(ctx, rc); !errors.Is(err, ErrInvalidClientMetadata()) {
		t.Errorf("array jwks accepted: %v", err)
	}
}

func TestCanonicalResponseType(t *testing.T) {
	for in, want := range map[string]string{
		"code": "code", "token id_token": "id_token token", "id_token code token": "code id_token token",
		"none": "none", "token code": "code token",
	} {
		got, ok := canonicalResponseType(in)
		if !ok || got != want {
			t.Errorf("canonicalResponseType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", " ", "code ", " code", "code  token", "none code", "code code", "Code", "device"} {
		if got, ok := canonicalResponseType(in); ok {
			t.Errorf("canonicalResponseType(%q) = %q, want refusal", in, got)
		}
	}
	for _, r := range KnownResponseTypes() {
		if c, ok := canonicalResponseType(r); !ok || c != r {
			t.Errorf("KnownResponseTypes holds non-canonical %q", r)
		}
	}
}

func TestErrorQuoting(t *testing.T) {
	long := strings.Repeat("é", 100)
	got := q(long)
	if len(got) > 64*6+10 || !strings.HasSuffix(got, `..."`) {
		t.Errorf("q did not truncate: %s", got)
	}
	for _, r := range got {
		if r > 0x7e {
			t.Fatalf("q output not ASCII: %s", got)
		}
	}
}

// TestDuendeEnumErrorsListAllowedValues: a refused spelling of a Duende
// extension enum names the member, the value sent and every allowed value
// (issue 9 item 14).
func TestDuendeEnumErrorsListAllowedValues(t *testing.T) {
	cases := []struct {
		name, member, value string
		allowed             []string
	}{
		{"refresh_token_usage", "refresh_token_usage", "oneTimeOnly", DuendeRefreshTokenUsages()},
		{"refresh_token_expiration", "refresh_token_expiration", "absolute", DuendeRefreshTokenExpirations()},
		{"access_token_type", "access_token_type", "jwt", DuendeAccessTokenTypes()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runRequest(t, tcase{body: web(`"` + tc.member + `":"` + tc.value + `"`)})
			e, ok := AsError(err)
			if !ok || e.Code != CodeInvalidClientMetadata {
				t.Fatalf("got %v, want invalid_client_metadata", err)
			}
			for _, want := range append([]string{tc.member + ": ", `"` + tc.value + `"`}, tc.allowed...) {
				if !strings.Contains(e.Description, want) {
					t.Errorf("description %q lacks %q", e.Description, want)
				}
			}
		})
	}
}

// TestRedirectURIsWithoutRedirectGrant: redirect_uris on a client whose
// grant types use no redirect are refused with a description naming those
// grant types (issue 9 item 13).
func TestRedirectURIsWithoutRedirectGrant(t *testing.T) {
	cases := []struct {
		name   string
		grants []string
	}{
		{"client_credentials", []string{GrantClientCredentials}},
		{"device code and refresh", []string{GrantDeviceCode, GrantRefreshToken}},
		{"password", []string{GrantPassword}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := json.Marshal(tc.grants)
			_, err := runRequest(t, tcase{body: `{"grant_types":` + string(g) + `,"redirect_uris":["` + cb + `"]}`})
			e, ok := AsError(err)
			if !ok || e.Code != CodeInvalidRedirectURI {
				t.Fatalf("got %v, want invalid_redirect_uri", err)
			}
			for _, want := range append([]string{"redirect_uris: "}, tc.grants...) {
				if !strings.Contains(e.Description, want) {
					t.Errorf("description %q lacks %q", e.Description, want)
				}
			}
		})
	}
}

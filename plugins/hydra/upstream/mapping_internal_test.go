package upstream

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func ptr[T any](v T) *T { return &v }

// fullMetadata sets every member of sdk.Metadata that has a Hydra field,
// and some that have none.
func fullMetadata() sdk.Metadata {
	return sdk.Metadata{
		RedirectURIs:                      []string{"https://app.example/cb", "https://app.example/cb2"},
		TokenEndpointAuthMethod:           sdk.AuthPrivateKeyJWT,
		TokenEndpointAuthSigningAlg:       "ES256",
		GrantTypes:                        []string{sdk.GrantAuthorizationCode, sdk.GrantRefreshToken},
		ResponseTypes:                     []string{"code"},
		ClientName:                        "App",
		ClientURI:                         "https://app.example",
		LogoURI:                           "https://app.example/logo.png",
		Scope:                             "openid profile",
		Contacts:                          []string{"ops@app.example"},
		TOSURI:                            "https://app.example/tos",
		PolicyURI:                         "https://app.example/policy",
		JWKS:                              json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1"}]}`),
		SoftwareID:                        "not-in-hydra",
		ApplicationType:                   sdk.ApplicationTypeWeb,
		SectorIdentifierURI:               "https://app.example/sector.json",
		SubjectType:                       "public",
		IDTokenSignedResponseAlg:          "RS256",
		UserinfoSignedResponseAlg:         "RS256",
		RequestObjectSigningAlg:           "ES256",
		DefaultMaxAge:                     ptr[int64](60),
		RequestURIs:                       []string{"https://app.example/request.jwt"},
		PostLogoutRedirectURIs:            []string{"https://app.example/bye"},
		FrontchannelLogoutURI:             "https://app.example/fc",
		FrontchannelLogoutSessionRequired: ptr(true),
		BackchannelLogoutURI:              "https://app.example/bc",
		BackchannelLogoutSessionRequired:  ptr(false),
		IdentityTokenLifetime:             ptr[int64](300),
		AccessTokenLifetime:               ptr[int64](3600),
		AuthorizationCodeLifetime:         ptr[int64](60),
		AbsoluteRefreshTokenLifetime:      ptr[int64](2592000),
		SlidingRefreshTokenLifetime:       ptr[int64](1296000),
		RefreshTokenExpiration:            "Absolute",
		RequireConsent:                    ptr(false),
		AccessTokenType:                   "Reference",
		AllowedCORSOrigins:                []string{"https://app.example"},
		Localized:                         map[string]string{"client_name#ja": "アプリ"},
		Extensions:                        map[string]json.RawMessage{"x_custom": json.RawMessage(`1`)},
	}
}

// TestToHydraGolden pins the Hydra body of a client that sets every
// member (testdata/*.json; go test -update rewrites them).
func TestToHydraGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    sdk.Metadata
	}{
		{name: "full", m: fullMetadata()},
		{name: "zero", m: sdk.Metadata{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := toHydra(sdk.Provision{Client: sdk.Client{ID: "client-1", Metadata: tc.m}, Revision: 7}, "registrar")
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(h, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "hydra_client_"+tc.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Hydra body of %s:\n%s\nwant (%s):\n%s", tc.name, got, path, want)
			}
			if strings.Contains(string(got), "client_secret") {
				t.Errorf("toHydra set a client_secret")
			}
		})
	}
}

// TestLifespans maps Duende's lifetimes to Hydra's lifespans.
func TestLifespans(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    sdk.Metadata
		want Lifespans
	}{
		{name: "none", m: sdk.Metadata{}, want: Lifespans{}},
		{name: "zero and negative leave Hydra's default", m: sdk.Metadata{AccessTokenLifetime: ptr[int64](0), IdentityTokenLifetime: ptr[int64](-1), AbsoluteRefreshTokenLifetime: ptr[int64](0)}, want: Lifespans{}},
		{name: "access token", m: sdk.Metadata{AccessTokenLifetime: ptr[int64](90)}, want: Lifespans{
			AuthorizationCodeGrantAccessTokenLifespan: "1m30s", ClientCredentialsGrantAccessTokenLifespan: "1m30s",
			ImplicitGrantAccessTokenLifespan: "1m30s", JwtBearerGrantAccessTokenLifespan: "1m30s", RefreshTokenGrantAccessTokenLifespan: "1m30s"}},
		{name: "identity token", m: sdk.Metadata{IdentityTokenLifetime: ptr[int64](300)}, want: Lifespans{
			AuthorizationCodeGrantIDTokenLifespan: "5m0s", ImplicitGrantIDTokenLifespan: "5m0s", RefreshTokenGrantIDTokenLifespan: "5m0s"}},
		{name: "absolute refresh (Duende's default expiration)", m: sdk.Metadata{AbsoluteRefreshTokenLifetime: ptr[int64](7200), SlidingRefreshTokenLifetime: ptr[int64](60)}, want: Lifespans{
			AuthorizationCodeGrantRefreshTokenLifespan: "2h0m0s", RefreshTokenGrantRefreshTokenLifespan: "2h0m0s"}},
		{name: "sliding refresh", m: sdk.Metadata{RefreshTokenExpiration: "Sliding", AbsoluteRefreshTokenLifetime: ptr[int64](7200), SlidingRefreshTokenLifetime: ptr[int64](60)}, want: Lifespans{
			AuthorizationCodeGrantRefreshTokenLifespan: "1m0s", RefreshTokenGrantRefreshTokenLifespan: "1m0s"}},
		{name: "sliding without a sliding lifetime", m: sdk.Metadata{RefreshTokenExpiration: "Sliding", AbsoluteRefreshTokenLifetime: ptr[int64](7200)}, want: Lifespans{}},
		{name: "huge value saturates", m: sdk.Metadata{AccessTokenLifetime: ptr[int64](1 << 62)}, want: Lifespans{
			AuthorizationCodeGrantAccessTokenLifespan: "2562047h47m16s", ClientCredentialsGrantAccessTokenLifespan: "2562047h47m16s",
			ImplicitGrantAccessTokenLifespan: "2562047h47m16s", JwtBearerGrantAccessTokenLifespan: "2562047h47m16s", RefreshTokenGrantAccessTokenLifespan: "2562047h47m16s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lifespans(tc.m); got != tc.want {
				t.Errorf("lifespans = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestUnsupported refuses what Hydra would store but never serve.
func TestUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    sdk.Metadata
		want string // description prefix; "" for accepted
	}{
		{name: "zero", m: sdk.Metadata{}},
		{name: "every supported value", m: sdk.Metadata{
			GrantTypes:              []string{sdk.GrantAuthorizationCode, sdk.GrantImplicit, sdk.GrantClientCredentials, sdk.GrantRefreshToken, sdk.GrantJWTBearer},
			ResponseTypes:           []string{"code", "token", "id_token", "code id_token", "code token", "code id_token token", "id_token token"},
			TokenEndpointAuthMethod: sdk.AuthNone}},
		{name: "client_secret_jwt", m: sdk.Metadata{TokenEndpointAuthMethod: sdk.AuthClientSecretJWT}, want: "token_endpoint_auth_method: client_secret_jwt"},
		{name: "self_signed_tls_client_auth", m: sdk.Metadata{TokenEndpointAuthMethod: sdk.AuthSelfSignedTLSClientAuth}, want: "token_endpoint_auth_method: self_signed_tls_client_auth"},
		{name: "password grant", m: sdk.Metadata{GrantTypes: []string{sdk.GrantPassword}}, want: "grant_types[0]: password"},
		{name: "token exchange", m: sdk.Metadata{GrantTypes: []string{sdk.GrantClientCredentials, sdk.GrantTokenExchange}}, want: "grant_types[1]: "},
		{name: "ciba", m: sdk.Metadata{GrantTypes: []string{sdk.GrantCIBA}}, want: "grant_types[0]: "},
		{name: "response type none", m: sdk.Metadata{ResponseTypes: []string{"code", "none"}}, want: "response_types[1]: none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := unsupported(tc.m)
			if tc.want == "" {
				if e != nil {
					t.Errorf("unsupported = %v, want nil", e)
				}
				return
			}
			if e == nil || e.Code != sdk.CodeInvalidClientMetadata || !strings.HasPrefix(e.Description, tc.want) {
				t.Errorf("unsupported = %v, want invalid_client_metadata %q...", e, tc.want)
			}
		})
	}
}

// TestRefusal maps Hydra's 400 answers: the code, the member named first,
// a bounded hint of Hydra's explanation for its RFC errors only, and never
// the secret.
func TestRefusal(t *testing.T) {
	const secret = "the-plaintext-secret-0123"
	long := strings.Repeat("x", 500)
	for _, tc := range []struct {
		name, body, code, desc string
	}{
		{name: "subject type", body: `{"error":"invalid_client_metadata","error_description":"` + hydraPrototypes[0] + ` Subject type pairwise is not supported by server, only [public] are allowed."}`,
			code: sdk.CodeInvalidClientMetadata, desc: "subject_type: refused by the authorization server: Subject type pairwise is not supported by server, only [public] are allowed."},
		{name: "redirect", body: `{"error":"invalid_redirect_uri","error_description":"` + hydraPrototypes[1] + ` Unable to parse redirect URL: foo"}`,
			code: sdk.CodeInvalidRedirectURI, desc: "redirect_uris: refused by the authorization server: Unable to parse redirect URL: foo"},
		{name: "redirect without a hint", body: `{"error":"invalid_redirect_uri","error_description":""}`,
			code: sdk.CodeInvalidRedirectURI, desc: "redirect_uris: refused by the authorization server"},
		{name: "decode error names the member, no hint", body: `{"error":"The request was malformed or contained invalid parameters","error_description":"Unable to decode the request body: json: cannot unmarshal number into Go struct field Client.client_name of type string"}`,
			code: sdk.CodeInvalidClientMetadata, desc: "client_name: refused by the authorization server"},
		{name: "jose error", body: `{"error":"The request was malformed or contained invalid parameters","error_description":"Unable to decode the request body: go-jose/go-jose: invalid RSA key, missing n/e values"}`,
			code: sdk.CodeInvalidClientMetadata, desc: "jwks: refused by the authorization server"},
		{name: "access token strategy", body: `{"error":"invalid_client_metadata","error_description":"invalid access token strategy: x"}`,
			code: sdk.CodeInvalidClientMetadata, desc: "access_token_type: refused by the authorization server: invalid access token strategy: x"},
		{name: "secret cut out", body: `{"error":"invalid_client_metadata","error_description":"Field client_secret ` + secret + ` is bad"}`,
			code: sdk.CodeInvalidClientMetadata, desc: "client_secret: refused by the authorization server: Field client_secret REDACTED is bad"},
		{name: "long hint bounded", body: `{"error":"invalid_client_metadata","error_description":"` + long + `"}`,
			code: sdk.CodeInvalidClientMetadata, desc: "client metadata: refused by the authorization server: " + long[:maxHint] + "…"},
		{name: "control characters", body: `{"error":"invalid_client_metadata","error_description":"a\u0000b\nc"}`,
			code: sdk.CodeInvalidClientMetadata, desc: "client metadata: refused by the authorization server: a b c"},
		{name: "not JSON", body: `<html>bad request</html>`, code: sdk.CodeInvalidClientMetadata, desc: "client metadata: refused by the authorization server"},
		{name: "empty", body: ``, code: sdk.CodeInvalidClientMetadata, desc: "client metadata: refused by the authorization server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := refusal([]byte(tc.body), secret)
			if e.Code != tc.code || e.Description != tc.desc || e.Status != 400 {
				t.Errorf("refusal = %q %q (%d), want %q %q", e.Code, e.Description, e.Status, tc.code, tc.desc)
			}
			if e.Unwrap() == nil || strings.Contains(e.Unwrap().Error(), secret) {
				t.Errorf("cause %v: want Hydra's answer without the secret", e.Unwrap())
			}
		})
	}
}

// TestNextPageToken reads rel="next" of Hydra's Link header (RFC 8288).
func TestNextPageToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links []string
		want  string
	}{
		{name: "nil", links: nil, want: ""},
		{name: "empty", links: []string{""}, want: ""},
		{name: "hydra v2.3.0", links: []string{`</admin/clients?owner=registrar&page_size=1&page_token=eyJvZmZzZXQiOiIxIiwidiI6Mn0>; rel="next",</admin/clients?owner=registrar&page_size=1&page_token=eyJvZmZzZXQiOiIzIiwidiI6Mn0>; rel="last"`}, want: "eyJvZmZzZXQiOiIxIiwidiI6Mn0"},
		{name: "last only", links: []string{`</admin/clients?page_size=2&page_token=abc>; rel="last"`}, want: ""},
		{name: "next in a second header, unquoted", links: []string{`</x?page_token=a>; rel=prev`, `</x?page_token=b>; rel=next`}, want: "b"},
		{name: "several rels", links: []string{`</x?page_token=c>; rel="next last"`}, want: "c"},
		{name: "garbage", links: []string{`no link here`}, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextPageToken(tc.links); got != tc.want {
				t.Errorf("nextPageToken = %q, want %q", got, tc.want)
			}
		})
	}
}

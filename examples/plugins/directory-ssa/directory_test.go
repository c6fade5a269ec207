package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

const issuer = "https://directory.example"

// directoryKey is the directory's signing key, generated for the test run.
type directoryKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newKey(t *testing.T, kid string) directoryKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return directoryKey{priv: priv, kid: kid}
}

// jwks is the public JWK Set of keys.
func jwks(t *testing.T, keys ...directoryKey) json.RawMessage {
	t.Helper()
	set := jose.JSONWebKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "ES256", Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func configJSON(t *testing.T, set json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"issuer":      issuer,
		"jwks":        set,
		"algorithms":  []string{"ES256", "RS256"},
		"role_scopes": map[string][]string{"AISP": {"openid", "accounts"}, "PISP": {"openid", "payments"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign returns a software statement signed with k.
func (k directoryKey) sign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ssaClaims are the claims of a good statement issued at now.
func ssaClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":                    issuer,
		"iat":                    now.Unix(),
		"exp":                    now.Add(time.Hour).Unix(),
		"jti":                    "ssa-1",
		"software_id":            "tpp-4711",
		"software_version":       "2.1",
		"client_name":            "Budget Buddy",
		"software_roles":         []string{"AISP"},
		"software_redirect_uris": []string{"https://tpp.example/cb", "https://tpp.example/cb2"},
	}
}

func testPolicy() sdk.Policy {
	return sdk.Policy{
		GrantTypes:      []string{"authorization_code", "refresh_token", "client_credentials"},
		ResponseTypes:   []string{"code"},
		AuthMethods:     []string{"private_key_jwt", "client_secret_basic"},
		Scopes:          []string{"openid", "accounts", "payments"},
		DefaultScope:    "openid",
		RedirectURIMode: sdk.RedirectURIModeStandard,
		SigningAlgs:     []string{"ES256", "PS256"},
	}
}

func TestDirectorySSA(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	dir := newKey(t, "dir-1")
	other := newKey(t, "dir-1") // same kid, not the directory's key

	bin := plugintest.Build(t, ".")
	inst := plugintest.Start(t, bin, plugintest.WithConfig(configJSON(t, jwks(t, dir))))
	v, err := inst.Validator()
	if err != nil {
		t.Fatal(err)
	}

	noneSigned := func() string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, ssaClaims(now)).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hmacSigned := func() string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, ssaClaims(now)).SignedString([]byte("a shared secret, known to too many"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	with := func(edit func(jwt.MapClaims)) string {
		c := ssaClaims(now)
		edit(c)
		return dir.sign(t, c)
	}

	tests := []struct {
		name      string
		statement string
		edit      func(*sdk.Metadata)
		wantErr   *sdk.Error
		wantDesc  string
		check     func(t *testing.T, md sdk.Metadata)
	}{
		{
			name:      "valid",
			statement: dir.sign(t, ssaClaims(now)),
			check: func(t *testing.T, md sdk.Metadata) {
				if md.SoftwareID != "tpp-4711" || md.SoftwareVersion != "2.1" || md.ClientName != "Budget Buddy" {
					t.Errorf("claims not applied: software_id %q, software_version %q, client_name %q", md.SoftwareID, md.SoftwareVersion, md.ClientName)
				}
				if md.Scope != "openid accounts" {
					t.Errorf("scope = %q", md.Scope)
				}
				if !slices.Equal(md.RedirectURIs, []string{"https://tpp.example/cb"}) {
					t.Errorf("redirect_uris = %v", md.RedirectURIs)
				}
				if md.TokenEndpointAuthMethod != "private_key_jwt" || md.JWKSURI == "" {
					t.Errorf("request members lost: %+v", md)
				}
				if md.SoftwareStatement == "" {
					t.Error("the statement is not kept in the metadata")
				}
			},
		},
		{
			name:      "statement claims take precedence over the request",
			statement: dir.sign(t, ssaClaims(now)),
			edit: func(md *sdk.Metadata) {
				md.SoftwareID = "spoofed"
				md.ClientName = "Not Budget Buddy"
			},
			check: func(t *testing.T, md sdk.Metadata) {
				if md.SoftwareID != "tpp-4711" || md.ClientName != "Budget Buddy" {
					t.Errorf("software_id %q, client_name %q", md.SoftwareID, md.ClientName)
				}
			},
		},
		{
			name:      "redirect URIs default to the statement's",
			statement: dir.sign(t, ssaClaims(now)),
			edit:      func(md *sdk.Metadata) { md.RedirectURIs = nil },
			check: func(t *testing.T, md sdk.Metadata) {
				if !slices.Equal(md.RedirectURIs, []string{"https://tpp.example/cb", "https://tpp.example/cb2"}) {
					t.Errorf("redirect_uris = %v", md.RedirectURIs)
				}
			},
		},
		{
			name:      "scope of a second role",
			statement: with(func(c jwt.MapClaims) { c["software_roles"] = []string{"AISP", "PISP"} }),
			edit:      func(md *sdk.Metadata) { md.Scope = "accounts payments" },
			check: func(t *testing.T, md sdk.Metadata) {
				if md.Scope != "accounts payments" {
					t.Errorf("scope = %q", md.Scope)
				}
			},
		},
		{
			name:      "default scope without roles check",
			statement: with(func(c jwt.MapClaims) { delete(c, "software_roles") }),
			edit:      func(md *sdk.Metadata) { md.Scope = "" },
			check: func(t *testing.T, md sdk.Metadata) {
				if md.Scope != "openid" {
					t.Errorf("scope = %q", md.Scope)
				}
			},
		},
		{
			name:     "missing statement",
			wantErr:  sdk.ErrInvalidSoftwareStatement(),
			wantDesc: "software_statement: required",
		},
		{
			name:      "malformed",
			statement: "not.a.jwt",
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: is not a well-formed signed JWT",
		},
		{
			name:      "bad signature (another key)",
			statement: other.sign(t, ssaClaims(now)),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: the signature does not verify",
		},
		{
			name: "unknown kid",
			statement: func() string {
				k := newKey(t, "dir-2")
				return k.sign(t, ssaClaims(now))
			}(),
			wantErr:  sdk.ErrInvalidSoftwareStatement(),
			wantDesc: "software_statement: is not signed with a key of the directory",
		},
		{
			name:      "expired",
			statement: with(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() }),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: has expired",
		},
		{
			name:      "expired within the clock skew",
			statement: with(func(c jwt.MapClaims) { c["exp"] = now.Add(-30 * time.Second).Unix() }),
			check:     func(*testing.T, sdk.Metadata) {},
		},
		{
			name:      "without exp",
			statement: with(func(c jwt.MapClaims) { delete(c, "exp") }),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: the exp claim is required",
		},
		{
			name:      "issued in the future",
			statement: with(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() }),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: the iat claim is in the future",
		},
		{
			name:      "without iat",
			statement: with(func(c jwt.MapClaims) { delete(c, "iat") }),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: the iat claim is required",
		},
		{
			name:      "without software_id",
			statement: with(func(c jwt.MapClaims) { delete(c, "software_id") }),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: the software_id claim is required",
		},
		{
			name:      "wrong issuer",
			statement: with(func(c jwt.MapClaims) { c["iss"] = "https://rogue.example" }),
			wantErr:   sdk.ErrUnapprovedSoftwareStatement(),
			wantDesc:  `software_statement: issuer "https://rogue.example" is not trusted`,
		},
		{
			name:      "alg none",
			statement: noneSigned(),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  `software_statement: signing algorithm "none" is not accepted`,
		},
		{
			name:      "alg HS256",
			statement: hmacSigned(),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  `software_statement: signing algorithm "HS256" is not accepted`,
		},
		{
			name:      "redirect not listed",
			statement: dir.sign(t, ssaClaims(now)),
			edit: func(md *sdk.Metadata) {
				md.RedirectURIs = []string{"https://tpp.example/cb", "https://tpp.example/other"}
			},
			wantErr:  sdk.ErrInvalidRedirectURI(),
			wantDesc: "redirect_uris[1]: is not listed in the software statement's software_redirect_uris",
		},
		{
			name:      "scope outside roles",
			statement: dir.sign(t, ssaClaims(now)),
			edit:      func(md *sdk.Metadata) { md.Scope = "openid payments" },
			wantErr:   sdk.ErrInvalidClientMetadata(),
			wantDesc:  `scope: "payments" is not allowed by the software statement's software_roles`,
		},
		{
			name:      "base rule: scope outside the profile",
			statement: with(func(c jwt.MapClaims) { c["software_roles"] = []string{"AISP", "PISP"} }),
			edit:      func(md *sdk.Metadata) { md.Scope = "accounts admin" },
			wantErr:   sdk.ErrInvalidClientMetadata(),
			wantDesc:  `scope: "admin" is not allowed`,
		},
		{
			name:      "base rule: claim of the wrong type",
			statement: with(func(c jwt.MapClaims) { c["client_name"] = 42 }),
			wantErr:   sdk.ErrInvalidSoftwareStatement(),
			wantDesc:  "software_statement: claim client_name",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			md := sdk.Metadata{
				RedirectURIs:            []string{"https://tpp.example/cb"},
				TokenEndpointAuthMethod: "private_key_jwt",
				JWKSURI:                 "https://tpp.example/jwks.json",
				Scope:                   "openid accounts",
				SoftwareStatement:       tc.statement,
			}
			if tc.edit != nil {
				tc.edit(&md)
			}
			rc := sdk.RegistrationContext{
				Operation: sdk.OperationCreate,
				Request:   md,
				Caller:    sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: "directory"},
				Policy:    testPolicy(),
				Now:       now,
			}
			out, err := v.Validate(t.Context(), rc)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				tc.check(t, out.Client.Metadata)
				return
			}
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate: got %v (%T), want %s", err, err, tc.wantErr.Code)
			}
			if !errors.Is(err, tc.wantErr) || e.Status != http.StatusBadRequest {
				t.Fatalf("Validate: got %q (status %d), want code %s", e, e.Status, tc.wantErr.Code)
			}
			if !strings.Contains(e.Description, tc.wantDesc) {
				t.Fatalf("description %q does not contain %q", e.Description, tc.wantDesc)
			}
		})
	}

	t.Run("config", func(t *testing.T) {
		fresh := plugintest.Start(t, bin)
		good := map[string]any{}
		if err := json.Unmarshal(configJSON(t, jwks(t, dir)), &good); err != nil {
			t.Fatal(err)
		}
		// jwks as a string holding the JSON, as file("jwks.json") gives it.
		asString := clone(good)
		asString["jwks"] = string(jwks(t, dir))
		if err := fresh.Configure(t.Context(), mustJSON(t, asString)); err != nil {
			t.Fatalf("jwks as a string: %v", err)
		}

		privateJWK, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: dir.priv, KeyID: "dir-1"}}})
		symmetricJWK := `{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0","kid":"s"}]}`
		bad := []struct {
			name      string
			edit      func(map[string]any)
			attribute string
		}{
			{"missing issuer", func(c map[string]any) { delete(c, "issuer") }, "issuer"},
			{"empty issuer", func(c map[string]any) { c["issuer"] = "" }, "issuer"},
			{"missing jwks", func(c map[string]any) { delete(c, "jwks") }, "jwks"},
			{"jwks not a set", func(c map[string]any) { c["jwks"] = "nonsense" }, "jwks"},
			{"empty jwks", func(c map[string]any) { c["jwks"] = map[string]any{"keys": []any{}} }, "jwks"},
			{"private key in jwks", func(c map[string]any) { c["jwks"] = json.RawMessage(privateJWK) }, "jwks"},
			{"symmetric key in jwks", func(c map[string]any) { c["jwks"] = json.RawMessage(symmetricJWK) }, "jwks"},
			{"missing algorithms", func(c map[string]any) { delete(c, "algorithms") }, "algorithms"},
			{"HS256 algorithm", func(c map[string]any) { c["algorithms"] = []string{"ES256", "HS256"} }, "algorithms"},
			{"none algorithm", func(c map[string]any) { c["algorithms"] = []string{"none"} }, "algorithms"},
			{"key unusable with algorithms", func(c map[string]any) { c["algorithms"] = []string{"RS256"} }, "jwks"},
			{"missing role_scopes", func(c map[string]any) { delete(c, "role_scopes") }, "role_scopes"},
			{"role_scopes not a map", func(c map[string]any) { c["role_scopes"] = []string{"AISP"} }, "role_scopes"},
			{"unknown attribute", func(c map[string]any) { c["audience"] = "x" }, "audience"},
		}
		for _, tc := range bad {
			c := clone(good)
			tc.edit(c)
			err := fresh.Configure(t.Context(), mustJSON(t, c))
			var ce *plugin.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%s: Configure = %v, want a *plugin.ConfigError", tc.name, err)
				continue
			}
			if ce.Attribute != tc.attribute || ce.Message == "" {
				t.Errorf("%s: ConfigError{Attribute: %q, Message: %q}, want attribute %q", tc.name, ce.Attribute, ce.Message, tc.attribute)
			}
		}
	})
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

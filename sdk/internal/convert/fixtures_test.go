package convert

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// The fixtures set every exported field (requireAllSet proves it), so that a
// field added to an sdk type without a converter fails the round trips.
// Raw JSON is compact so that the round trips compare bytes exactly.

func ptr[T any](v T) *T { return &v }

func fullMetadata() sdk.Metadata {
	return sdk.Metadata{
		RedirectURIs:                          []string{"https://app.example.com/cb", "com.example.app:/cb"},
		TokenEndpointAuthMethod:               "private_key_jwt",
		GrantTypes:                            []string{"authorization_code", "refresh_token"},
		ResponseTypes:                         []string{"code"},
		ClientName:                            `Example "app" <é>`,
		ClientURI:                             "https://app.example.com/",
		LogoURI:                               "https://app.example.com/logo.png",
		Scope:                                 "openid profile",
		Contacts:                              []string{"ops@example.com"},
		TOSURI:                                "https://app.example.com/tos",
		PolicyURI:                             "https://app.example.com/policy",
		JWKSURI:                               "https://app.example.com/jwks.json",
		JWKS:                                  json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`),
		SoftwareID:                            "4NRB1-0XZABZI9E6-5SM3R",
		SoftwareVersion:                       "2.1.0",
		SoftwareStatement:                     "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
		ApplicationType:                       "native",
		SectorIdentifierURI:                   "https://app.example.com/sector.json",
		SubjectType:                           "pairwise",
		IDTokenSignedResponseAlg:              "ES256",
		IDTokenEncryptedResponseAlg:           "ECDH-ES",
		IDTokenEncryptedResponseEnc:           "A256GCM",
		UserinfoSignedResponseAlg:             "PS256",
		UserinfoEncryptedResponseAlg:          "RSA-OAEP-256",
		UserinfoEncryptedResponseEnc:          "A128CBC-HS256",
		RequestObjectSigningAlg:               "ES384",
		RequestObjectEncryptionAlg:            "ECDH-ES+A128KW",
		RequestObjectEncryptionEnc:            "A192GCM",
		TokenEndpointAuthSigningAlg:           "EdDSA",
		DefaultMaxAge:                         ptr(int64(0)),
		RequireAuthTime:                       ptr(false),
		DefaultACRValues:                      []string{"phr"},
		InitiateLoginURI:                      "https://app.example.com/login",
		RequestURIs:                           []string{"https://app.example.com/req.jwt#x"},
		RequireSignedRequestObject:            ptr(true),
		PostLogoutRedirectURIs:                []string{"https://app.example.com/bye"},
		FrontchannelLogoutURI:                 "https://app.example.com/fc",
		FrontchannelLogoutSessionRequired:     ptr(false),
		BackchannelLogoutURI:                  "https://app.example.com/bc",
		BackchannelLogoutSessionRequired:      ptr(true),
		IdentityTokenLifetime:                 ptr(int64(300)),
		AccessTokenLifetime:                   ptr(int64(3600)),
		AuthorizationCodeLifetime:             ptr(int64(0)),
		AbsoluteRefreshTokenLifetime:          ptr(int64(2592000)),
		SlidingRefreshTokenLifetime:           ptr(int64(1296000)),
		ConsentLifetime:                       ptr(int64(0)),
		RefreshTokenExpiration:                "Sliding",
		RefreshTokenUsage:                     "OneTimeOnly",
		UpdateAccessTokenClaimsOnRefresh:      ptr(true),
		RequireConsent:                        ptr(false),
		AllowRememberConsent:                  ptr(true),
		AccessTokenType:                       "Jwt",
		AllowedCORSOrigins:                    []string{"https://app.example.com"},
		RequireClientSecret:                   ptr(false),
		EnableLocalLogin:                      ptr(true),
		IdentityProviderRestrictions:          []string{"Google"},
		CoordinateLifetimeWithUserSession:     ptr(false),
		AllowedIdentityTokenSigningAlgorithms: []string{"ES256"},
		Localized: map[string]string{
			"client_name#ja-Jpan-JP": "サンプル",
			"client_name#fr":         "Exemple « client »",
			"logo_uri#de":            "https://app.example.com/logo-de.png",
		},
		Extensions: map[string]json.RawMessage{
			"x_flag":      json.RawMessage(`true`),
			"x_nested":    json.RawMessage(`{"b":[1,2,{"c":null}],"a":"zé"}`),
			"x_null":      json.RawMessage(`null`),
			"x_big_int":   json.RawMessage(`9007199254740993`),
			"x_label#en":  json.RawMessage(`"not localizable"`),
			"x_float_exp": json.RawMessage(`1.5e-7`),
		},
	}
}

func fullClient(id string) sdk.Client {
	return sdk.Client{
		ID:                    id,
		Metadata:              fullMetadata(),
		IssuedAt:              1700000000,
		SecretHash:            sdk.HashToken("secret:" + id),
		SecretSealed:          []byte{0x00, 0x01, 0x7f, 0x80, 0xff},
		SecretExpiresAt:       1731536000,
		RegistrationTokenHash: sdk.HashToken("rat:" + id),
		Profile:               "partners",
		Revision:              3,
		UpdatedAt:             1700000042,
	}
}

func fullToken(id string) sdk.InitialAccessToken {
	return sdk.InitialAccessToken{
		ID:          id,
		Hash:        sdk.HashToken("iat:" + id),
		Profile:     "partners",
		Description: `CI "deploy" <é>`,
		CreatedAt:   1700000000,
		ExpiresAt:   9007199254740993,
		MaxUses:     5,
		Uses:        2,
		Revoked:     true,
		Revision:    4,
	}
}

func fullCaller() sdk.Caller {
	return sdk.Caller{
		Method:  sdk.AuthBearerJWT,
		Profile: "partners",
		TokenID: "jti-123",
		Subject: "ci-pipeline",
		Claims: map[string]any{
			"scope": "dcr",
			"exp":   float64(1700003600),
			"admin": true,
			"aud":   []any{"registrar", "other"},
			"cnf":   map[string]any{"jkt": "abc"},
			"none":  nil,
		},
		RemoteAddr: "192.0.2.7",
	}
}

func fullPolicy() sdk.Policy {
	return sdk.Policy{
		GrantTypes:           []string{"authorization_code", "refresh_token"},
		ResponseTypes:        []string{"code"},
		AuthMethods:          []string{"private_key_jwt", "none"},
		Scopes:               []string{"openid", "profile"},
		DefaultScope:         "openid",
		RedirectURIMode:      sdk.RedirectURIModeStrict,
		AllowHTTPRedirects:   true,
		SigningAlgs:          []string{"ES256", "PS256"},
		KeepUnknownMetadata:  true,
		SecretEncryption:     true,
		MaxLifetime:          86400,
		ClientSecretLifetime: 7776000,
		TokenRotation:        sdk.RotateOnEveryUse,

		InferNativeApplicationType: true,
	}
}

func fullContext() sdk.RegistrationContext {
	current := fullClient("client-1")
	current.Revision = 2
	req := fullMetadata()
	req.ClientName = "as requested"
	return sdk.RegistrationContext{
		Operation:               sdk.OperationUpdate,
		Request:                 req,
		SoftwareStatementClaims: map[string]any{"software_id": "4NRB1", "iat": float64(1700000000)},
		Client:                  fullClient("client-1"),
		Current:                 &current,
		Caller:                  fullCaller(),
		Policy:                  fullPolicy(),
		Issued:                  sdk.Credentials{ClientSecret: "s3cret", RegistrationAccessToken: "rat-token"},
		Items:                   map[string]string{"tenant": "acme", "": "empty key"},
		Now:                     time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC),
	}
}

// requireAllSet fails for every exported field of v (a struct of package
// sdk), recursively, whose value is the zero value.
func requireAllSet(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		rt := rv.Type()
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := rv.Field(i)
			p := path + "." + f.Name
			if fv.IsZero() {
				t.Errorf("fixture leaves %s unset: set every field so that a new one without a converter fails", p)
				continue
			}
			if fv.Kind() == reflect.Pointer {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct && strings.HasSuffix(fv.Type().PkgPath(), "/sdk") {
				walk(p, fv)
			}
		}
	}
	rv := reflect.ValueOf(v)
	walk(rv.Type().Name(), rv)
}

func TestFixturesSetEveryField(t *testing.T) {
	requireAllSet(t, fullMetadata())
	requireAllSet(t, fullClient("c"))
	requireAllSet(t, fullToken("t"))
	requireAllSet(t, fullCaller())
	requireAllSet(t, fullPolicy())
	requireAllSet(t, fullContext())
}

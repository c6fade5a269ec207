package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/registrar-dcr/registrar/sdk"
)

// TokenHash returns the hex SHA-256 of seed, the form in which a Client
// keeps its registration access token and client secret. Distinct seeds give
// distinct hashes, so tests derive unique hashes from client ids.
func TokenHash(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// SampleClient returns a client record with every field set except Revision
// (which the store manages), so that a store that drops or mangles any field
// fails a round trip. The values exercise the hard cases:
//
//   - pointer integers and booleans set to 0 and false, which must come back
//     as non-nil pointers, not as "absent";
//   - language-tagged values in Localized (RFC 7591 §2.2) and unknown members
//     in Extensions: nested objects, null, a large integer that a float64
//     would round (2^53+1), a float, and a "#" member that is not
//     localizable;
//   - a JWKS document, non-ASCII and HTML-special characters, and raw bytes
//     covering 0x00 and 0xff in SecretSealed.
//
// The registration token hash is TokenHash("rat:"+id) and the secret hash
// TokenHash("secret:"+id), so records built for distinct ids never collide.
// Each call returns fresh values that share nothing with other calls.
func SampleClient(id string) sdk.Client {
	i64 := func(v int64) *int64 { return &v }
	b := func(v bool) *bool { return &v }
	return sdk.Client{
		ID: id,
		Metadata: sdk.Metadata{
			RedirectURIs:            []string{"https://app.example.com/callback", "https://app.example.com/cb?a=1&b=<2>"},
			TokenEndpointAuthMethod: "private_key_jwt",
			GrantTypes:              []string{"authorization_code", "refresh_token", "client_credentials"},
			ResponseTypes:           []string{"code"},
			ClientName:              `Sample "client" <é> ` + id,
			ClientURI:               "https://app.example.com/",
			LogoURI:                 "https://app.example.com/logo.png",
			Scope:                   "openid profile email offline_access",
			Contacts:                []string{"ops@example.com", "security@example.com"},
			TOSURI:                  "https://app.example.com/tos",
			PolicyURI:               "https://app.example.com/privacy",
			JWKSURI:                 "https://app.example.com/jwks.json",
			JWKS: json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",` +
				`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`),
			SoftwareID:        "4NRB1-0XZABZI9E6-5SM3R",
			SoftwareVersion:   "2.1.0",
			SoftwareStatement: "eyJhbGciOiJSUzI1NiJ9.eyJzb2Z0d2FyZV9pZCI6IjROUkIxIn0.c2lnbmF0dXJl",

			ApplicationType:              "web",
			SectorIdentifierURI:          "https://app.example.com/sector.json",
			SubjectType:                  "pairwise",
			IDTokenSignedResponseAlg:     "ES256",
			IDTokenEncryptedResponseAlg:  "ECDH-ES",
			IDTokenEncryptedResponseEnc:  "A256GCM",
			UserinfoSignedResponseAlg:    "PS256",
			UserinfoEncryptedResponseAlg: "RSA-OAEP-256",
			UserinfoEncryptedResponseEnc: "A128CBC-HS256",
			RequestObjectSigningAlg:      "ES384",
			RequestObjectEncryptionAlg:   "ECDH-ES+A128KW",
			RequestObjectEncryptionEnc:   "A192GCM",
			TokenEndpointAuthSigningAlg:  "EdDSA",
			DefaultMaxAge:                i64(0),
			RequireAuthTime:              b(false),
			DefaultACRValues:             []string{"urn:mace:incommon:iap:silver", "phr"},
			InitiateLoginURI:             "https://app.example.com/login",
			RequestURIs:                  []string{"https://app.example.com/request.jwt#abc"},
			RequireSignedRequestObject:   b(true),

			PostLogoutRedirectURIs:            []string{"https://app.example.com/bye"},
			FrontchannelLogoutURI:             "https://app.example.com/fc-logout",
			FrontchannelLogoutSessionRequired: b(false),
			BackchannelLogoutURI:              "https://app.example.com/bc-logout",
			BackchannelLogoutSessionRequired:  b(true),

			IdentityTokenLifetime:                 i64(300),
			AccessTokenLifetime:                   i64(3600),
			AuthorizationCodeLifetime:             i64(0),
			AbsoluteRefreshTokenLifetime:          i64(2592000),
			SlidingRefreshTokenLifetime:           i64(1296000),
			ConsentLifetime:                       i64(0),
			RefreshTokenExpiration:                "Sliding",
			RefreshTokenUsage:                     "OneTimeOnly",
			UpdateAccessTokenClaimsOnRefresh:      b(true),
			RequireConsent:                        b(false),
			AllowRememberConsent:                  b(true),
			AccessTokenType:                       "Jwt",
			AllowedCORSOrigins:                    []string{"https://app.example.com", "http://localhost:6274"},
			RequireClientSecret:                   b(false),
			EnableLocalLogin:                      b(true),
			IdentityProviderRestrictions:          []string{"Google", "AAD"},
			CoordinateLifetimeWithUserSession:     b(false),
			AllowedIdentityTokenSigningAlgorithms: []string{"ES256", "PS256"},

			Localized: map[string]string{
				"client_name#ja-Jpan-JP": "サンプルクライアント",
				"client_name#fr":         "Client d'exemple « " + id + " »",
				"logo_uri#de":            "https://app.example.com/logo-de.png",
				"tos_uri#en-US":          "https://app.example.com/tos-us",
			},
			Extensions: map[string]json.RawMessage{
				"x_vendor_flag":  json.RawMessage(`true`),
				"x_nested":       json.RawMessage(`{"b":[1,2,{"c":null}],"a":"z\u00e9<>"}`),
				"x_null":         json.RawMessage(`null`),
				"x_big_int":      json.RawMessage(`9007199254740993`),
				"x_float":        json.RawMessage(`1.5e-7`),
				"x_label#en":     json.RawMessage(`"not a localizable member"`),
				"software_extra": json.RawMessage(`["", "二"]`),
			},
		},
		IssuedAt:              1700000000,
		SecretHash:            TokenHash("secret:" + id),
		SecretSealed:          []byte{0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 'g', 'c', 'm'},
		SecretExpiresAt:       1731536000,
		RegistrationTokenHash: TokenHash("rat:" + id),
		Profile:               "partners",
		UpdatedAt:             1700000042,
	}
}

// SampleToken returns an initial access token record with every field set
// except Revision (which the store manages), so that a store that drops or
// mangles any field fails a round trip: a Description with non-ASCII and
// HTML-special characters, an ExpiresAt of 2^53+1 that a float64 would
// round, Revoked true and Uses below MaxUses. The hash is
// TokenHash("iat:"+id), so tokens built for distinct ids never collide.
func SampleToken(id string) sdk.InitialAccessToken {
	return sdk.InitialAccessToken{
		ID:          id,
		Hash:        TokenHash("iat:" + id),
		Profile:     "partners",
		Description: `CI pipeline "deploy" <é> ` + id,
		CreatedAt:   1700000000,
		ExpiresAt:   9007199254740993,
		MaxUses:     5,
		Uses:        2,
		Revoked:     true,
	}
}

package roundtrip

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// ECKey is a P-256 public key (RFC 7517 Appendix A.1) that the variations
// put in jwks.
const ECKey = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`

// texts are string values that stress encoders: escapes, non-ASCII,
// characters HTML-escaping encoders rewrite, U+2028, astral planes.
var texts = []string{
	"plain", "Caf\u00e9 \u30a6\u30a7\u30d6", "</script><b>", "a&b=c", "\"quoted\" \\ back",
	"line\u2028sep", "\U0001F600 emoji", "  spaced  ", "\u00a0nbsp", "ta\tb",
	strings.Repeat("long ", 60),
}

// nested returns a JSON value nested depth levels deep, objects and
// arrays alternating, with a string at the bottom.
func nested(depth int, leaf string) string {
	v, _ := json.Marshal(leaf)
	s := string(v)
	for i := 0; i < depth; i++ {
		if i%2 == 0 {
			s = `{"n":` + s + `,"i":` + fmt.Sprint(i) + `}`
		} else {
			s = `[` + s + `,true,null,-1.5e3]`
		}
	}
	return s
}

// mutation changes one member of a body (a decoded JSON object).
type mutation func(r *rand.Rand, m map[string]any)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func raw(s string) json.RawMessage { return json.RawMessage(s) }

var mutations = []mutation{
	// Unknown members: kept when the policy keeps unknown metadata.
	func(r *rand.Rand, m map[string]any) { m[fmt.Sprintf("x_ext_%d", r.IntN(4))] = pick(r, texts) },
	func(r *rand.Rand, m map[string]any) {
		m[fmt.Sprintf("x_nested_%d", r.IntN(4))] = raw(nested(1+r.IntN(48), pick(r, texts)))
	},
	func(r *rand.Rand, m map[string]any) {
		m["x_values"] = raw(`[0,-0,1e2,12345678901234567890,0.5,true,false,null,"",{},[]]`)
	},
	func(r *rand.Rand, m map[string]any) {
		m[pick(r, []string{"x é", "x\u2028", "x</s>", "x#y", "client_name#"})] = pick(r, texts)
	},
	// Known human-readable members, plain and language-tagged.
	func(r *rand.Rand, m map[string]any) { m["client_name"] = pick(r, texts) },
	func(r *rand.Rand, m map[string]any) {
		m[pick(r, []string{"client_name#fr", "client_name#ja-Jpan-JP", "tos_uri#de", "logo_uri#en-GB"})] = pick(r, texts)
	},
	func(r *rand.Rand, m map[string]any) {
		m[pick(r, []string{"client_uri", "policy_uri", "tos_uri", "logo_uri"})] = "https://app.example.com/" + pick(r, []string{"p", "a%20b", "caf%C3%A9", "?q=1&r=2"})
	},
	func(r *rand.Rand, m map[string]any) { m["contacts"] = []string{"ops@example.com", pick(r, texts)} },
	func(r *rand.Rand, m map[string]any) {
		m["software_id"], m["software_version"] = pick(r, texts), "1.0.0"
	},
	// Integers and booleans.
	func(r *rand.Rand, m map[string]any) {
		m[pick(r, []string{"access_token_lifetime", "identity_token_lifetime", "authorization_code_lifetime",
			"absolute_refresh_token_lifetime", "sliding_refresh_token_lifetime", "consent_lifetime", "default_max_age"})] = pick(r, []int64{0, 1, 300, 3600, 86400, 2147483647})
	},
	func(r *rand.Rand, m map[string]any) {
		m[pick(r, []string{"require_auth_time", "require_consent", "allow_remember_consent", "enable_local_login",
			"update_access_token_claims_on_refresh", "frontchannel_logout_session_required",
			"coordinate_lifetime_with_user_session"})] = r.IntN(2) == 0
	},
	// Duende's extension enums and lists.
	func(r *rand.Rand, m map[string]any) {
		m["refresh_token_usage"] = pick(r, []string{"OneTimeOnly", "ReUse"})
		m["refresh_token_expiration"] = pick(r, []string{"Absolute", "Sliding"})
		m["access_token_type"] = pick(r, []string{"Jwt", "Reference"})
	},
	func(r *rand.Rand, m map[string]any) { m["allowed_cors_origins"] = []string{"https://app.example.com"} },
	func(r *rand.Rand, m map[string]any) {
		m["identity_provider_restrictions"] = []string{"Google", pick(r, texts)}
	},
	// Client kinds.
	func(r *rand.Rand, m map[string]any) {
		m["application_type"] = "native"
		m["token_endpoint_auth_method"] = "none"
		m["redirect_uris"] = []string{"http://127.0.0.1:" + fmt.Sprint(1024+r.IntN(60000)) + "/cb", "com.example.app:/oauth2redirect"}
		delete(m, "grant_types")
		delete(m, "response_types")
	},
	func(r *rand.Rand, m map[string]any) {
		m["token_endpoint_auth_method"] = "private_key_jwt"
		key := ECKey
		if r.IntN(2) == 0 {
			key = strings.TrimSuffix(ECKey, "}") + `,"kid":"k` + fmt.Sprint(r.IntN(9)) + `","use":"sig","alg":"ES256","x_note":` + nested(r.IntN(6), pick(r, texts)) + `}`
		}
		m["jwks"] = raw(`{"keys":[` + key + `]}`)
		delete(m, "jwks_uri")
	},
	func(r *rand.Rand, m map[string]any) {
		m["token_endpoint_auth_method"] = pick(r, []string{"client_secret_basic", "client_secret_post"})
	},
	func(r *rand.Rand, m map[string]any) {
		m["grant_types"] = []string{"client_credentials"}
		m["response_types"] = []string{}
		m["token_endpoint_auth_method"] = "client_secret_post"
		delete(m, "redirect_uris")
	},
	func(r *rand.Rand, m map[string]any) {
		m["scope"] = pick(r, []string{"openid", "openid profile", "api", "openid email api"})
	},
	func(r *rand.Rand, m map[string]any) {
		m["post_logout_redirect_uris"] = []string{"https://app.example.com/bye"}
		m["frontchannel_logout_uri"] = "https://app.example.com/fc"
	},
	// OpenID Connect members.
	func(r *rand.Rand, m map[string]any) {
		m["subject_type"] = pick(r, []string{"public", "pairwise"})
		m["id_token_signed_response_alg"] = pick(r, []string{"ES256", "RS256", "PS256"})
		m["default_acr_values"] = []string{"urn:mace:incommon:iap:silver"}
		m["require_auth_time"] = true
	},
	func(r *rand.Rand, m map[string]any) {
		m["userinfo_signed_response_alg"] = "ES256"
		m["userinfo_encrypted_response_alg"] = pick(r, []string{"RSA-OAEP-256", "ECDH-ES"})
		m["userinfo_encrypted_response_enc"] = pick(r, []string{"A128GCM", "A256CBC-HS512"})
		m["id_token_encrypted_response_alg"] = "ECDH-ES+A128KW"
	},
	func(r *rand.Rand, m map[string]any) {
		m["request_object_signing_alg"] = "ES256" // verifiable only with the client's keys
		m["jwks"] = raw(`{"keys":[` + ECKey + `]}`)
		delete(m, "jwks_uri")
		m["request_uris"] = []string{"https://app.example.com/ro#" + pick(r, []string{"a", "b"})}
		m["initiate_login_uri"] = "https://app.example.com/login"
	},
	func(r *rand.Rand, m map[string]any) {
		m["backchannel_logout_uri"] = "https://app.example.com/bc"
		m["backchannel_logout_session_required"] = r.IntN(2) == 0
		m["allowed_identity_token_signing_algorithms"] = []string{"ES256", "RS256"}
		m["require_client_secret"] = r.IntN(2) == 0
	},
	func(r *rand.Rand, m map[string]any) {
		if r.IntN(2) == 0 {
			m["grant_types"], m["response_types"] = []string{"implicit"}, []string{"id_token"}
		} else {
			m["grant_types"], m["response_types"] = []string{"authorization_code", "implicit"}, []string{"code id_token"}
		}
		m["redirect_uris"] = []string{"https://app.example.com/cb"}
	},
	func(r *rand.Rand, m map[string]any) {
		m["token_endpoint_auth_method"] = "private_key_jwt"
		m["token_endpoint_auth_signing_alg"] = "ES256"
		m["jwks"] = raw(`{"keys":[` + ECKey + `]}`)
		delete(m, "jwks_uri")
	},
	// Removals.
	func(r *rand.Rand, m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		if len(keys) > 0 {
			slices.Sort(keys)
			delete(m, pick(r, keys))
		}
	},
}

// Variations returns n bodies, each a seed changed by one to four
// mutations: unknown members with nested values and awkward strings,
// language tags, lifetimes, Duende's extensions, native, key-based and
// machine clients, removals. The same seed gives the same bodies. Some
// variations are refused by the server's policy; the property concerns
// the ones it accepts.
func Variations(seeds [][]byte, n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([][]byte, 0, n)
	for len(out) < n {
		var m map[string]any
		if err := json.Unmarshal(pick(r, seeds), &m); err != nil {
			panic(fmt.Sprintf("roundtrip: a seed is not a JSON object: %v", err))
		}
		for i := 0; i <= r.IntN(4); i++ {
			pick(r, mutations)(r, m)
		}
		out = append(out, marshal(m))
	}
	return out
}

// marshal encodes v without HTML escaping, so that "<", ">" and "&" reach
// the server as they are.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("roundtrip: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

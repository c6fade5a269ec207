package sdk

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
)

// MinRSAKeyBits is the smallest RSA modulus accepted in a client's jwks
// (NIST SP 800-131A; RFC 7518 §3.3 requires 2048 bits for RS256).
const MinRSAKeyBits = 2048

// maxJWKSKeys bounds the keys of a registered jwks.
const maxJWKSKeys = 64

// privateKeyMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 9964 "priv").
var privateKeyMembers = map[string]bool{
	"d": true, "p": true, "q": true, "dp": true, "dq": true, "qi": true,
	"oth": true, "k": true, "priv": true,
}

// jwkMembersFolded maps the case-folded name of each JWK member of
// RFC 7517 §4 and RFC 7518 §6 to its spelling. A member whose name equals
// one of them ignoring case but not exactly is refused: a consumer that
// matches names ignoring case (Go's encoding/json does, and the last value
// wins) would read a key other than the one checked here.
var jwkMembersFolded = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{
		"kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256",
		"crv", "x", "y", "n", "e", "d", "p", "q", "dp", "dq", "qi", "oth", "k",
	} {
		m[foldName(name)] = name
	}
	return m
}()

// jweKeyAlgs are the key management algorithms of RFC 7518 §4.1 usable with
// a public key.
var jweKeyAlgs = []string{
	"RSA-OAEP", "RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW",
}

// knownJWEAlgs and knownJWEEncs are what validation reads; KnownJWEAlgs and
// KnownJWEEncs return copies.
var knownJWEAlgs = []string{
	"RSA-OAEP", "RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW",
	"A128KW", "A192KW", "A256KW", "dir",
}

var knownJWEEncs = []string{
	"A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM",
}

// KnownJWEAlgs returns the JWE key management algorithms accepted in the
// *_encrypted_response_alg and request_object_encryption_alg members
// (RFC 7518 §4.1). The slice is a copy.
func KnownJWEAlgs() []string { return slices.Clone(knownJWEAlgs) }

// KnownJWEEncs returns the JWE content encryption algorithms accepted in the
// *_encrypted_response_enc and request_object_encryption_enc members
// (RFC 7518 §5.1). The slice is a copy.
func KnownJWEEncs() []string { return slices.Clone(knownJWEEncs) }

// AuthMethod checks token_endpoint_auth_method, jwks, jwks_uri and
// token_endpoint_auth_signing_alg (RFC 7591 §2, OpenID Connect DCR 1.0 §2,
// OpenID Connect Core §9, RFC 8705 §2.2) and sets them on the client.
//
// The method must be in KnownAuthMethods and allowed by the policy. When it
// is absent the default client_secret_basic applies (RFC 7591 §2); if the
// policy does not allow it but allows exactly one method, that one applies;
// otherwise the member is required. client_secret_jwt needs a recoverable
// secret, so it is refused unless Policy.SecretEncryption. A public client
// ("none") may not use the client_credentials grant (RFC 6749 §4.4).
//
// jwks and jwks_uri are mutually exclusive (RFC 7591 §2). jwks must be a
// JWK Set (RFC 7517 §5) of 1 to 64 valid public keys: no symmetric ("oct")
// keys, no private key members, RSA keys of at least MinRSAKeyBits, "use"
// "sig" or "enc", an "alg" that fits the key and is allowed (a signing
// algorithm of the policy, or a public-key JWE algorithm), distinct "kid"s.
// jwks_uri must be an absolute https URL without fragment or user
// information (it is fetched later, not here). private_key_jwt and
// self_signed_tls_client_auth need one of them.
//
// token_endpoint_auth_signing_alg applies to private_key_jwt (an asymmetric
// algorithm) and client_secret_jwt (HS256, HS384 or HS512) only, must be
// allowed by the policy and is never "none".
func (DefaultSteps) AuthMethod(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req, p := rc.Request, rc.Policy
	md := rc.Client.Metadata

	method := req.TokenEndpointAuthMethod
	if method == "" {
		switch {
		case contains(p.AuthMethods, AuthClientSecretBasic):
			method = AuthClientSecretBasic
		case len(p.AuthMethods) == 1:
			method = p.AuthMethods[0]
		default:
			return rc, metaErr("token_endpoint_auth_method", "is required: the default client_secret_basic is not allowed here (allowed: %s)", strings.Join(p.AuthMethods, ", "))
		}
	}
	if !contains(knownAuthMethods, method) {
		return rc, metaErr("token_endpoint_auth_method", "unknown authentication method %s", q(method))
	}
	if !contains(p.AuthMethods, method) {
		return rc, metaErr("token_endpoint_auth_method", "%s is not allowed", q(method))
	}
	if method == AuthClientSecretJWT && !p.SecretEncryption {
		return rc, metaErr("token_endpoint_auth_method", "client_secret_jwt needs a client secret the server can recover, and this server cannot keep one")
	}
	grants := md.GrantTypes
	if grants == nil {
		grants = req.GrantTypes
	}
	if method == AuthNone && contains(grants, GrantClientCredentials) {
		return rc, metaErr("token_endpoint_auth_method", "\"none\" cannot be used with the client_credentials grant type, which needs client authentication (RFC 6749 §4.4)")
	}

	hasJWKS := len(req.JWKS) > 0
	if hasJWKS && req.JWKSURI != "" {
		return rc, metaErr("jwks", "must not be sent together with jwks_uri")
	}
	md.JWKS = nil
	if hasJWKS {
		compact, err := checkJWKS(req.JWKS, p)
		if err != nil {
			return rc, err
		}
		md.JWKS = compact
	}
	if req.JWKSURI != "" {
		if _, why := checkHTTPURL(req.JWKSURI, false, false); why != "" {
			return rc, metaErr("jwks_uri", "%s", why)
		}
	}
	md.JWKSURI = req.JWKSURI
	if (method == AuthPrivateKeyJWT || method == AuthSelfSignedTLSClientAuth) && !hasJWKS && req.JWKSURI == "" {
		return rc, metaErr("token_endpoint_auth_method", "%s needs the client's keys in jwks or jwks_uri", method)
	}

	if alg := req.TokenEndpointAuthSigningAlg; alg != "" {
		const field = "token_endpoint_auth_signing_alg"
		if err := checkSigningAlg(field, alg, p); err != nil {
			return rc, err
		}
		switch method {
		case AuthClientSecretJWT:
			if !isHMACAlg(alg) {
				return rc, metaErr(field, "must be HS256, HS384 or HS512 for client_secret_jwt")
			}
		case AuthPrivateKeyJWT:
			if isHMACAlg(alg) {
				return rc, metaErr(field, "must be an asymmetric algorithm for private_key_jwt")
			}
		default:
			return rc, metaErr(field, "applies only to private_key_jwt and client_secret_jwt, not %s", q(method))
		}
	}
	md.TokenEndpointAuthSigningAlg = req.TokenEndpointAuthSigningAlg
	md.TokenEndpointAuthMethod = method
	rc.Client.Metadata = md
	return rc, nil
}

func isHMACAlg(alg string) bool { return alg == "HS256" || alg == "HS384" || alg == "HS512" }

// checkJWKS validates a client's JWK Set and returns it compacted.
func checkJWKS(raw json.RawMessage, p Policy) (json.RawMessage, error) {
	if !utf8.Valid(raw) {
		// encoding/json would read invalid bytes as U+FFFD, while the set
		// kept and echoed would still hold them (RFC 8259 §8.1).
		return nil, metaErr("jwks", "must be valid UTF-8")
	}
	var set map[string]json.RawMessage
	if err := json.Unmarshal(raw, &set); err != nil || set == nil {
		return nil, metaErr("jwks", "must be a JWK Set object")
	}
	if hasDuplicateMembers(raw) {
		// Parsers disagree on which duplicate wins; the keys checked here
		// must be the keys every consumer sees.
		return nil, metaErr("jwks", "must not contain duplicate members")
	}
	for name := range set {
		if name != "keys" && strings.EqualFold(name, "keys") {
			return nil, metaErr("jwks", "member %s differs from \"keys\" only in letter case (member names are case-sensitive)", q(name))
		}
	}
	keysRaw, ok := set["keys"]
	if !ok {
		return nil, metaErr("jwks", "must have a \"keys\" member")
	}
	var keys []json.RawMessage
	if trimmed := bytes.TrimSpace(keysRaw); len(trimmed) == 0 || trimmed[0] != '[' || json.Unmarshal(trimmed, &keys) != nil {
		return nil, metaErr("jwks.keys", "must be an array of keys")
	}
	if len(keys) == 0 {
		return nil, metaErr("jwks.keys", "must hold at least one key")
	}
	if len(keys) > maxJWKSKeys {
		return nil, metaErr("jwks.keys", "more than %d keys", maxJWKSKeys)
	}
	kids := map[string]int{}
	for i, k := range keys {
		field := fmt.Sprintf("jwks.keys[%d]", i)
		if err := checkJWK(field, k, p); err != nil {
			return nil, err
		}
		var kid struct {
			Kid *string `json:"kid"`
		}
		_ = json.Unmarshal(k, &kid) // checkJWK proved k is an object with a string kid, if any
		if kid.Kid != nil {
			if j, dup := kids[*kid.Kid]; dup {
				return nil, metaErr(field, "duplicate kid %s (also in jwks.keys[%d])", q(*kid.Kid), j)
			}
			kids[*kid.Kid] = i
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, metaErr("jwks", "must be a JWK Set object")
	}
	return json.RawMessage(compact.Bytes()), nil
}

// checkJWK validates one key of a client's JWK Set.
func checkJWK(field string, raw json.RawMessage, p Policy) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return metaErr(field, "must be a JSON object")
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	sort.Strings(names) // the first error reported does not depend on map order
	for _, name := range names {
		if privateKeyMembers[strings.ToLower(name)] {
			return metaErr(field, "must not contain private or symmetric key material (member %s)", q(name))
		}
	}
	for _, name := range names {
		if known, twin := jwkMembersFolded[foldName(name)]; twin && known != name {
			return metaErr(field, "member %s differs from %s only in letter case (member names are case-sensitive)", q(name), q(known))
		}
	}
	for _, name := range []string{"kty", "kid", "alg", "use"} {
		if v, ok := members[name]; ok {
			var s string
			if json.Unmarshal(v, &s) != nil {
				return metaErr(field, "%s must be a string", name)
			}
			if name == "kty" && strings.EqualFold(s, "oct") {
				return metaErr(field, "symmetric (oct) keys are not allowed")
			}
		}
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return metaErr(field, "is not a supported public key").WithCause(err)
	}
	if !jwk.IsPublic() {
		return metaErr(field, "must be a public key")
	}
	if !jwk.Valid() {
		return metaErr(field, "is not a valid key")
	}
	if k, ok := jwk.Key.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSAKeyBits {
		return metaErr(field, "RSA keys must have at least %d bits", MinRSAKeyBits)
	}
	switch jwk.Use {
	case "", "sig", "enc":
	default:
		return metaErr(field, "use must be \"sig\" or \"enc\"")
	}
	alg := jwk.Algorithm
	switch {
	case alg == "":
	case contains(jweKeyAlgs, alg):
		if jwk.Use == "sig" {
			return metaErr(field, "alg %s is an encryption algorithm but use is \"sig\"", q(alg))
		}
	default:
		if jwk.Use == "enc" {
			return metaErr(field, "alg %s is not a public-key encryption algorithm", q(alg))
		}
		if strings.EqualFold(alg, "none") || !contains(p.SigningAlgs, alg) {
			return metaErr(field, "alg %s is not allowed", q(alg))
		}
	}
	if alg != "" && !algFitsKey(alg, jwk.Key) {
		return metaErr(field, "alg %s does not fit the key type", q(alg))
	}
	return nil
}

// algFitsKey reports whether a JWS or JWE algorithm can be used with key.
// Algorithms it does not know are left to the policy.
func algFitsKey(alg string, key any) bool {
	_, isRSA := key.(*rsa.PublicKey)
	ec, isEC := key.(*ecdsa.PublicKey)
	_, isEd := key.(ed25519.PublicKey)
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"), strings.HasPrefix(alg, "RSA-OAEP"):
		return isRSA
	case alg == "ES256":
		return isEC && ec.Curve == elliptic.P256()
	case alg == "ES384":
		return isEC && ec.Curve == elliptic.P384()
	case alg == "ES512":
		return isEC && ec.Curve == elliptic.P521()
	case strings.HasPrefix(alg, "ECDH-ES"):
		return isEC
	case alg == "EdDSA", alg == "Ed25519":
		return isEd
	case strings.HasPrefix(alg, "HS"):
		return false
	}
	return true
}

// hasDuplicateMembers reports whether any object in the JSON value raw has
// two members with the same name (or raw is not valid JSON).
func hasDuplicateMembers(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dup, err := scanDuplicates(dec)
	return dup || err != nil
}

func scanDuplicates(dec *json.Decoder) (bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return false, nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return false, err
			}
			name, _ := k.(string)
			if seen[name] {
				return true, nil
			}
			seen[name] = true
			if dup, err := scanDuplicates(dec); dup || err != nil {
				return dup, err
			}
		}
	case '[':
		for dec.More() {
			if dup, err := scanDuplicates(dec); dup || err != nil {
				return dup, err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return false, err
}

// CheckJWKS validates a client's JWK Set as the AuthMethod step does for
// the jwks member: a JSON object whose "keys" are public asymmetric keys
// (RFC 7517 §5) in valid UTF-8, no private or symmetric key, algorithms allowed by p, no
// duplicate member and no member whose name differs from "keys" or from a
// JWK member of RFC 7517 §4 / RFC 7518 §6 only in letter case. The
// server calls it on the document a client's jwks_uri serves (RFC 7591
// §2). It returns the set compacted, or an *Error naming the member.
func CheckJWKS(raw json.RawMessage, p Policy) (json.RawMessage, error) {
	return checkJWKS(raw, p)
}

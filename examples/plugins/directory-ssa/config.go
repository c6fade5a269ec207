package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/registrar-dcr/registrar/sdk"
)

// settings is the plugin's config block, decoded by sdk.DecodeConfig (the
// json tags are the HCL attribute names); configure checks it and turns it
// into a config.
type settings struct {
	Issuer string `json:"issuer"`
	// JWKS is a JWK Set as an object, or a string holding its JSON (so
	// that file("...") works); parseJWKS reads both.
	JWKS       json.RawMessage     `json:"jwks"`
	Algorithms []string            `json:"algorithms"`
	RoleScopes map[string][]string `json:"role_scopes"`
}

// config is the checked configuration the steps use.
type config struct {
	issuer     string
	keys       []jose.JSONWebKey // public signing keys only
	algorithms []string
	roleScopes map[string][]string
}

// asymmetricAlgs are the JWS algorithms a directory may sign with. "none"
// and the HMAC algorithms (HS256, ...) are never accepted: a shared secret
// cannot tell the directory from anyone who holds it.
var asymmetricAlgs = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA",
}

// minRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const minRSABits = 2048

// configure checks the decoded config block: issuer, jwks, algorithms and
// role_scopes, all required (sdk.DecodeConfig has refused unknown
// attributes and wrong types). A rejected value is a *sdk.ConfigError
// naming the attribute.
func (d *directory) configure(_ context.Context, s settings) error {
	required := func(name, what string) error {
		return &sdk.ConfigError{Attribute: name, Message: "required: " + what}
	}
	if strings.TrimSpace(s.Issuer) == "" {
		return required("issuer", "a non-empty string, the directory's iss value, e.g. \"https://directory.example\"")
	}

	if s.Algorithms == nil {
		return required("algorithms", "the JWS algorithms the directory signs with, e.g. [\"ES256\"]")
	}
	if len(s.Algorithms) == 0 {
		return &sdk.ConfigError{Attribute: "algorithms", Message: "must be a non-empty list of strings"}
	}
	for _, a := range s.Algorithms {
		if !slices.Contains(asymmetricAlgs, a) {
			return &sdk.ConfigError{Attribute: "algorithms", Message: fmt.Sprintf("%q is not accepted: use asymmetric algorithms only (%s)", a, strings.Join(asymmetricAlgs, ", "))}
		}
	}

	if s.JWKS == nil {
		return required("jwks", "the directory's public keys as a JWK Set ({\"keys\": [...]})")
	}
	keys, err := parseJWKS(s.JWKS, s.Algorithms)
	if err != nil {
		return &sdk.ConfigError{Attribute: "jwks", Message: err.Error()}
	}

	if len(s.RoleScopes) == 0 {
		return required("role_scopes", "the scopes of each software role, e.g. {\"AISP\": [\"accounts\"]}")
	}

	d.cfg = config{issuer: s.Issuer, keys: keys, algorithms: s.Algorithms, roleScopes: s.RoleScopes}
	return nil
}

// parseJWKS reads a JWK Set of public signing keys, given as an object or
// as a string holding one. Each key must be public, valid, for signatures,
// and usable with one of algs.
func parseJWKS(v json.RawMessage, algs []string) ([]jose.JSONWebKey, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		v = json.RawMessage(s)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(v, &set); err != nil {
		return nil, fmt.Errorf("is not a JWK Set: %v", err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("must hold at least one key")
	}
	kids := map[string]bool{}
	for i, k := range set.Keys {
		switch {
		case !k.IsPublic():
			return nil, fmt.Errorf("keys[%d]: must be a public key (never a private or symmetric one)", i)
		case !k.Valid():
			return nil, fmt.Errorf("keys[%d]: is not a valid key", i)
		case k.Use != "" && k.Use != "sig":
			return nil, fmt.Errorf("keys[%d]: use must be \"sig\"", i)
		case k.Algorithm != "" && !slices.Contains(algs, k.Algorithm):
			return nil, fmt.Errorf("keys[%d]: alg %q is not in algorithms", i, k.Algorithm)
		case k.KeyID != "" && kids[k.KeyID]:
			return nil, fmt.Errorf("keys[%d]: kid %q is used twice", i, k.KeyID)
		}
		if rk, ok := k.Key.(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("keys[%d]: RSA keys must have at least %d bits", i, minRSABits)
		}
		usable := false
		for _, a := range algs {
			usable = usable || keyFits(k, a)
		}
		if !usable {
			return nil, fmt.Errorf("keys[%d]: a %s key cannot verify any of algorithms", i, keyType(k))
		}
		kids[k.KeyID] = true
	}
	return set.Keys, nil
}

// keyType is the JWK "kty" of a public key.
func keyType(k jose.JSONWebKey) string {
	switch k.Key.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "EC"
	case ed25519.PublicKey:
		return "OKP"
	}
	return "unknown"
}

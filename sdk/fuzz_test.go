package sdk_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
)

// ecKey is a public P-256 JWK (RFC 7517 appendix A.1).
const ecKey = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`

// FuzzMetadataRoundTrip: any body ParseMetadata accepts (on create and on
// update) survives, unchanged, the JSON encoding of the record the stores
// keep (json.Marshal of sdk.Client, as the SQLite and MongoDB stores write
// it), the plugin wire's converter, and a second ParseMetadata of the
// metadata a read echoes; and a consumer decoding the echo with
// encoding/json (case-insensitive) sees the known members the server
// checked. A body that is not valid UTF-8 is refused, with an *sdk.Error
// as every refusal.
// Seeds: the README's bodies and the golden answers, committed as
// testdata/fuzz/FuzzMetadataRoundTrip/seed-* (the SDK is a module of its
// own, so internal/roundtrip's TestSDKSeedCorpus writes and checks them).
func FuzzMetadataRoundTrip(f *testing.F) {
	f.Add([]byte(`{"x_nested":{"a":[1,{"b":null}],"c":"\u00e9"},"client_name#fr":"n","logo_uri#en-GB":"https://a.example/l.png"}`))
	f.Add([]byte(`{"jwks":{"keys":[` + ecKey + `]},"default_max_age":-0,"require_auth_time":false,"contacts":[]}`))
	f.Add([]byte(`{"client_id":"c","client_secret":"s","x":null,"client_name#":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, opts := range []sdk.ParseOptions{{}, {Update: true}} {
			md, _, err := sdk.ParseMetadata(body, opts)
			if err != nil {
				var se *sdk.Error
				if !errors.As(err, &se) {
					t.Fatalf("update=%v: refused with %T %v, want an *sdk.Error", opts.Update, err, err)
				}
				continue
			}
			if !utf8.Valid(body) {
				// RFC 8259 §8.1: one rule for every string of the body,
				// known member or not (issue 9 item 4).
				t.Fatalf("update=%v: accepted a body that is not valid UTF-8", opts.Update)
			}
			if err := roundTrip(md, opts); err != nil {
				t.Fatalf("update=%v: %v", opts.Update, err)
			}
		}
	})
}

// roundTrip checks that accepted metadata md comes back unchanged from the
// store's encoding, the wire and a re-parse of its echo.
func roundTrip(md sdk.Metadata, opts sdk.ParseOptions) error {
	want := normalized(md)
	c := sdk.Client{ID: "client-1", Metadata: md, IssuedAt: 1, SecretHash: "ab", SecretExpiresAt: 2,
		RegistrationTokenHash: "cd", Profile: "default", Revision: 3, UpdatedAt: 4}

	stored, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("the store cannot encode an accepted body: %v", err)
	}
	if !utf8.Valid(stored) || !json.Valid(stored) {
		return fmt.Errorf("the stored record is not valid UTF-8 JSON (RFC 8259 §8.1): %q", stored)
	}
	var back sdk.Client
	if err := json.Unmarshal(stored, &back); err != nil {
		return fmt.Errorf("the stored record does not decode: %v", err)
	}
	if got := normalized(back.Metadata); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the stored record decodes to other metadata:\n got %#v\nwant %#v", got, want)
	}

	p, err := convert.ClientToProto(&c)
	if err != nil {
		return fmt.Errorf("the plugin wire cannot encode an accepted body: %v", err)
	}
	wire, err := convert.ClientFromProto(p)
	if err != nil {
		return fmt.Errorf("the plugin wire cannot decode an accepted body: %v", err)
	}
	if got := normalized(wire.Metadata); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the plugin wire changes the metadata:\n got %#v\nwant %#v", got, want)
	}

	echo, err := md.MarshalJSON()
	if err != nil {
		return fmt.Errorf("the metadata cannot be echoed: %v", err)
	}
	again, reserved, err := sdk.ParseMetadata(echo, opts)
	if err != nil {
		return fmt.Errorf("the echo %q of an accepted body is refused: %v", echo, err)
	}
	if reserved != nil {
		return fmt.Errorf("the echo %q holds server-managed members", echo)
	}
	if got := normalized(again); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the echo parses to other metadata:\n got %#v\nwant %#v", got, want)
	}

	// A consumer that decodes the echo into a struct with encoding/json
	// (member names matched case-insensitively, the last value wins) must
	// see the known members the server checked, not a twin of another
	// letter case.
	folded := reflect.New(knownFieldsType)
	if err := json.Unmarshal(echo, folded.Interface()); err != nil {
		return fmt.Errorf("the echo %q does not decode into the known fields: %v", echo, err)
	}
	w := reflect.ValueOf(want)
	for i := 0; i < knownFieldsType.NumField(); i++ {
		got, exp := folded.Elem().Field(i), w.FieldByName(knownFieldsType.Field(i).Name)
		if got.Kind() == reflect.Slice && got.Len() == 0 {
			got = reflect.Zero(got.Type())
		}
		same := reflect.DeepEqual(got.Interface(), exp.Interface())
		if raw, ok := got.Interface().(json.RawMessage); ok {
			same = bytes.Equal(canonical(raw), canonical(exp.Interface().(json.RawMessage)))
		}
		if !same {
			name, _, _ := strings.Cut(knownFieldsType.Field(i).Tag.Get("json"), ",")
			return fmt.Errorf("encoding/json reads %s of the echo %q as %#v, the server checked %#v",
				name, echo, got.Interface(), exp.Interface())
		}
	}
	return nil
}

// knownFieldsType is a struct of the known fields of sdk.Metadata, with
// their JSON tags and without its JSON methods: what a consumer decoding
// the metadata with encoding/json sees.
var knownFieldsType = func() reflect.Type {
	t := reflect.TypeOf(sdk.Metadata{})
	var fields []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Tag.Get("json") != "-" {
			fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
		}
	}
	return reflect.StructOf(fields)
}()

// normalized is md up to what JSON cannot tell apart: an extension value
// in canonical form (the stores' encoding may write "&" as "\u0026", as
// json.Marshal does), an empty list the same as an absent one (the
// encoding omits both).
func normalized(md sdk.Metadata) sdk.Metadata {
	md = md.Clone()
	v := reflect.ValueOf(&md).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	for k, raw := range md.Extensions {
		md.Extensions[k] = canonical(raw)
	}
	if len(md.Extensions) == 0 {
		md.Extensions = nil
	}
	if len(md.Localized) == 0 {
		md.Localized = nil
	}
	return md
}

// jwksPolicy allows every signing algorithm a client key may name.
var jwksPolicy = sdk.Policy{SigningAlgs: []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA"}}

// FuzzCheckJWKS: the jwks check (sdk.CheckJWKS, the AuthMethod step's)
// never panics, refuses with an *sdk.Error naming jwks, and accepts only
// sets that every consumer reads as public asymmetric keys: no member that
// carries private or symmetric key material under any letter case, no
// "oct" key type, nothing that go-jose (which matches member names
// case-insensitively, as encoding/json does) decodes as a private or
// symmetric key, an HMAC or "none" alg, or an RSA key under
// sdk.MinRSAKeyBits; encoding/json decoding into a struct (case-insensitive,
// last value wins) likewise.
func FuzzCheckJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[` + ecKey + `]}`))
	f.Add([]byte(`{"keys":[` + strings.TrimSuffix(ecKey, "}") + `,"kid":"k1","use":"sig","alg":"ES256"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","alg":"EdDSA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"keys":[` + strings.TrimSuffix(ecKey, "}") + `,"d":"jpsQnnGQmL-YBIffH1136cLVj3t6nanRPRjkT6V3yrw"}]}`))
	f.Add([]byte(`{"keys":[` + ecKey + `],"x":{"y":[1,2,{"z":null}]}}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		set, err := sdk.CheckJWKS(raw, jwksPolicy)
		if err != nil {
			var se *sdk.Error
			if !errors.As(err, &se) || se.Code != sdk.CodeInvalidClientMetadata || !strings.HasPrefix(se.Description, "jwks") {
				t.Fatalf("refused with %#v, want invalid_client_metadata naming jwks", err)
			}
			return
		}
		if err := onlyPublicKeys(set); err != nil {
			t.Fatalf("accepted %q: %v", raw, err)
		}
	})
}

// privateMembers carry private or symmetric key material (RFC 7518 §6.2.2,
// §6.3.2, §6.4; "priv" of RFC 9964).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// onlyPublicKeys checks an accepted JWK Set as its consumers read it:
// member by member under any letter case; as encoding/json decodes it
// into a struct (names matched case-insensitively, the last value wins);
// and as go-jose decodes it.
func onlyPublicKeys(set []byte) error {
	if !utf8.Valid(set) || !json.Valid(set) {
		return fmt.Errorf("the set is not valid UTF-8 JSON")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(set, &members); err != nil {
		return err
	}
	for name, v := range members {
		if !strings.EqualFold(name, "keys") {
			continue
		}
		var keys []map[string]json.RawMessage
		if err := json.Unmarshal(v, &keys); err != nil {
			return fmt.Errorf("member %q is not an array of objects: %v", name, err)
		}
		for i, k := range keys {
			for m, mv := range k {
				for _, p := range privateMembers {
					if strings.EqualFold(m, p) {
						return fmt.Errorf("%s[%d] has private or symmetric key member %q", name, i, m)
					}
				}
				var s string
				if strings.EqualFold(m, "kty") && json.Unmarshal(mv, &s) == nil && strings.EqualFold(s, "oct") {
					return fmt.Errorf("%s[%d] has %q %q", name, i, m, s)
				}
			}
		}
	}
	var folded struct {
		Keys []struct {
			Kty, Alg, Use, N string
		}
	}
	if err := json.Unmarshal(set, &folded); err == nil {
		for i, k := range folded.Keys {
			if err := foldedKeyProblem(k.Kty, k.Alg, k.N); err != "" {
				return fmt.Errorf("encoding/json reads key %d with %s", i, err)
			}
		}
	}
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(set, &jwks); err != nil {
		return nil // go-jose reads no key at all from it: nothing private either
	}
	for i, k := range jwks.Keys {
		if !k.IsPublic() {
			return fmt.Errorf("go-jose reads key %d as private or symmetric (%T)", i, k.Key)
		}
		if err := foldedKeyProblem("", k.Algorithm, ""); err != "" {
			return fmt.Errorf("go-jose reads key %d with %s", i, err)
		}
		if pub, ok := k.Key.(*rsa.PublicKey); ok && pub.N.BitLen() < sdk.MinRSAKeyBits {
			return fmt.Errorf("go-jose reads key %d as a %d-bit RSA key", i, pub.N.BitLen())
		}
	}
	return nil
}

// foldedKeyProblem describes what is wrong with a key's kty, alg and n as
// a consumer decoded them: a symmetric type, an HMAC or "none" alg, an RSA
// modulus under sdk.MinRSAKeyBits. "" when nothing is.
func foldedKeyProblem(kty, alg, n string) string {
	switch a := strings.ToUpper(alg); {
	case strings.EqualFold(kty, "oct"):
		return "kty \"oct\""
	case strings.HasPrefix(a, "HS"), a == "NONE":
		return fmt.Sprintf("alg %q", alg)
	}
	if n != "" {
		if b, err := base64.RawURLEncoding.DecodeString(n); err == nil && new(big.Int).SetBytes(b).BitLen() < sdk.MinRSAKeyBits {
			return fmt.Sprintf("a %d-bit RSA modulus", new(big.Int).SetBytes(b).BitLen())
		}
	}
	return ""
}

// canonical re-encodes a JSON value: object members sorted, numbers as
// written, strings escaped one way. Invalid JSON is returned as is.
func canonical(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

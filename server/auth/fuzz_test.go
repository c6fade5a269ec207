package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/registrar-dcr/registrar/sdk"
)

// Fixed keys, so that a failing input found by the fuzzer reproduces: a
// P-256 and an Ed25519 key from fixed seeds are the configured ones; a
// P-256 key from another seed plays the attacker.
var (
	fuzzEC      = sha256.Sum256([]byte("registrar fuzz: the configured key"))
	fuzzEdSeed  = sha256.Sum256([]byte("registrar fuzz: the configured ed25519 key"))
	fuzzOtherEC = sha256.Sum256([]byte("registrar fuzz: a key nobody configured"))
)

// fuzzMode says how FuzzBearerVerify turns its input into a token.
const (
	modeSignEC      = iota // ES256 with the configured EC key
	modeSignEd             // EdDSA with the configured Ed25519 key
	modeOtherKey           // ES256 with a key that is not configured
	modeHMACPublic         // HS256 keyed with the configured public key (alg confusion)
	modeNoSignature        // header.payload. (alg none)
	modeRaw                // the raw string as it is
	numModes
)

type fuzzKeys struct {
	ec, other *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
}

func loadFuzzKeys(tb testing.TB) fuzzKeys {
	tb.Helper()
	ec := func(seed [32]byte) *ecdsa.PrivateKey {
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:])
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	return fuzzKeys{ec: ec(fuzzEC), other: ec(fuzzOtherEC), ed: ed25519.NewKeyFromSeed(fuzzEdSeed[:])}
}

// token builds the token of one fuzz input.
func (k fuzzKeys) token(header, claims []byte, mode uint8, raw string) string {
	input := b64url(header) + "." + b64url(claims)
	switch mode % numModes {
	case modeSignEC:
		return input + "." + b64url(signES256(k.ec, input))
	case modeSignEd:
		return input + "." + b64url(ed25519.Sign(k.ed, []byte(input)))
	case modeOtherKey:
		return input + "." + b64url(signES256(k.other, input))
	case modeHMACPublic:
		der, _ := x509.MarshalPKIXPublicKey(&k.ec.PublicKey)
		mac := hmac.New(sha256.New, der)
		mac.Write([]byte(input))
		return input + "." + b64url(mac.Sum(nil))
	case modeNoSignature:
		return input + "."
	}
	return raw
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func signES256(k *ecdsa.PrivateKey, input string) []byte {
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

// signedByConfiguredKey verifies token's signature on its own, without
// golang-jwt: ES256 by the configured EC key or EdDSA by the configured
// Ed25519 key, over the exact signing input (RFC 7515 §5.2).
func (k fuzzKeys) signedByConfiguredKey(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return false
	}
	input := []byte(parts[0] + "." + parts[1])
	if len(sig) == 64 {
		h := sha256.Sum256(input)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if ecdsa.Verify(&k.ec.PublicKey, h[:], r, s) {
			return true
		}
		return ed25519.Verify(k.ed.Public().(ed25519.PublicKey), input, sig)
	}
	return false
}

// FuzzBearerVerify: BearerVerifier.Verify never panics, refuses with a
// 401 or 403 *sdk.Error, and never accepts a token that is not signed by
// a configured key: one signed by another key, HMAC-keyed with the public
// key, unsigned, or any raw string whose signature an independent check
// (crypto/ecdsa, crypto/ed25519) does not verify. The fuzzer varies the
// header and claims JSON, how the token is signed, and a raw token.
func FuzzBearerVerify(f *testing.F) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	keys := loadFuzzKeys(f)
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &keys.ec.PublicKey, KeyID: "ec1", Use: "sig", Algorithm: "ES256"},
		{Key: keys.ed.Public(), KeyID: "ed1", Use: "sig"},
	}})
	if err != nil {
		f.Fatal(err)
	}
	ks, err := NewInlineKeySet(set)
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewBearerVerifier(BearerConfig{Issuer: testIssuer, Keys: ks, Audiences: []string{testAudience},
		RequiredScope: "dcr:register", Types: []string{"at+jwt"}, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}

	claims, _ := json.Marshal(bearerClaims(now))
	otherJWK, _ := json.Marshal(jose.JSONWebKey{Key: &keys.other.PublicKey})
	// The property would prove nothing if no input were ever accepted.
	for _, good := range []struct {
		header string
		mode   uint8
	}{{`{"alg":"ES256","typ":"at+jwt","kid":"ec1"}`, modeSignEC}, {`{"alg":"EdDSA","typ":"at+jwt","kid":"ed1"}`, modeSignEd}} {
		if _, err := v.Verify(context.Background(), keys.token([]byte(good.header), claims, good.mode, "")); err != nil {
			f.Fatalf("a token signed by a configured key (%s) is refused: %v", good.header, err)
		}
	}
	for _, h := range []string{
		`{"alg":"ES256","typ":"at+jwt","kid":"ec1"}`,
		`{"alg":"EdDSA","typ":"at+jwt","kid":"ed1"}`,
		`{"alg":"ES256","typ":"at+jwt"}`,
		`{"alg":"HS256","typ":"at+jwt","kid":"ec1"}`,
		`{"alg":"none","typ":"at+jwt"}`,
		`{"alg":"ES256","typ":"at+jwt","kid":"ec1","crit":["exp"]}`,
		`{"alg":"ES256","typ":"at+jwt","kid":"ec1","jwk":` + string(otherJWK) + `}`,
	} {
		for mode := uint8(0); mode < numModes; mode++ {
			f.Add([]byte(h), claims, mode, "")
		}
	}
	f.Add([]byte(`{}`), []byte(`{}`), uint8(modeRaw), keys.token([]byte(`{"alg":"ES256","typ":"at+jwt","kid":"ec1"}`), claims, modeSignEC, ""))
	f.Add([]byte(`{}`), []byte(`{}`), uint8(modeRaw), "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")
	f.Add([]byte(`{}`), []byte(`{}`), uint8(modeRaw), "a.b.c.d")

	f.Fuzz(func(t *testing.T, header, claims []byte, mode uint8, raw string) {
		token := keys.token(header, claims, mode, raw)
		_, err := v.Verify(context.Background(), token)
		if err != nil {
			var se *sdk.Error
			if !errors.As(err, &se) || (se.Status != 401 && se.Status != 403) {
				t.Fatalf("refused with %#v, want a 401 or 403 *sdk.Error", err)
			}
			return
		}
		switch m := mode % numModes; {
		case m == modeOtherKey || m == modeHMACPublic || m == modeNoSignature:
			t.Fatalf("mode %d: accepted a token not signed by a configured key: %q", m, token)
		case !keys.signedByConfiguredKey(token):
			t.Fatalf("accepted a token whose signature does not verify with a configured key: %q", token)
		}
	})
}

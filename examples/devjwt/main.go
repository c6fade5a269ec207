// Command devjwt is a stand-in authorization server for trying Registrar's
// bearer-JWT profiles locally: it keeps an ES256 key in a directory,
// writes its public JWK Set next to it, and prints an RFC 9068 access
// token signed with it. Never use it for anything but a local trial.
//
//	go run ./examples/devjwt -dir data/devjwt -iss https://auth.example.test \
//	    -aud http://127.0.0.1:8080 -scope dcr:register
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

func main() {
	dir := flag.String("dir", "data/devjwt", "directory of key.pem and jwks.json")
	iss := flag.String("iss", "https://auth.example.test", "issuer (iss)")
	aud := flag.String("aud", "http://127.0.0.1:8080", "audience (aud)")
	scope := flag.String("scope", "dcr:register", "space-separated scopes")
	sub := flag.String("sub", "ci-pipeline", "subject (sub)")
	ttl := flag.Duration("ttl", time.Hour, "lifetime of the token")
	flag.Parse()
	if err := run(*dir, *iss, *aud, *scope, *sub, *ttl); err != nil {
		fmt.Fprintln(os.Stderr, "devjwt:", err)
		os.Exit(1)
	}
}

func run(dir, iss, aud, scope, sub string, ttl time.Duration) error {
	key, err := loadOrCreateKey(dir)
	if err != nil {
		return err
	}
	const kid = "devjwt-1"
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}}
	b, err := json.Marshal(set)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "jwks.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": iss, "sub": sub, "aud": aud, "scope": scope, "client_id": sub,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": fmt.Sprintf("devjwt-%d", now.UnixNano()),
	})
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		return err
	}
	fmt.Println(s)
	return nil
}

func loadOrCreateKey(dir string) (*ecdsa.PrivateKey, error) {
	path := filepath.Join(dir, "key.pem")
	b, err := os.ReadFile(path)
	if err == nil {
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fmt.Errorf("%s: not PEM", path)
		}
		return x509.ParseECPrivateKey(block.Bytes)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return key, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

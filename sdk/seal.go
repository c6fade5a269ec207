package sdk

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer encrypts a client secret that the authorization server must be
// able to recover: the shared key of client_secret_jwt (RFC 7523 §2.2),
// which a hash cannot verify. DefaultProcessor seals with it; the sealed
// value is Client.SecretSealed.
//
// Seal must bind the result to clientID, so that a sealed secret copied to
// another client's record does not open there, and must never log or
// return the secret in an error.
type Sealer interface {
	Seal(clientID, secret string) ([]byte, error)
}

// AESSealer is the Sealer of the server's secret_encryption_key:
// AES-256-GCM with a random 96-bit nonce per secret and the client_id as
// additional authenticated data. Its key stays inside it (there is no
// accessor, and it prints as its algorithm only); build one per key with
// NewAESSealer and pass it where it is needed, never through a global.
type AESSealer struct{ aead cipher.AEAD }

var _ Sealer = (*AESSealer)(nil)

// NewAESSealer returns the AESSealer of a 32-byte key. The key is expanded
// at once; the caller may clear its slice afterwards.
func NewAESSealer(key []byte) (*AESSealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &AESSealer{aead: aead}, nil
}

var errNoSealer = errors.New("sdk: AESSealer: not built with NewAESSealer")

// Seal returns nonce || ciphertext of secret, bound to clientID.
func (s *AESSealer) Seal(clientID, secret string) ([]byte, error) {
	if s == nil || s.aead == nil {
		return nil, errNoSealer
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(clientID)), nil
}

// Open recovers the secret that Seal sealed for clientID. It fails for a
// value sealed for another client_id or with another key, and for a value
// that was altered.
func (s *AESSealer) Open(clientID string, sealed []byte) (string, error) {
	if s == nil || s.aead == nil {
		return "", errNoSealer
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", errors.New("sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(clientID))
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// String names the algorithm only, so that printing or logging a sealer
// (or a struct holding one) never shows key material.
func (s *AESSealer) String() string { return "AES-256-GCM sealer" }

// GoString is String, for %#v.
func (s *AESSealer) GoString() string { return s.String() }

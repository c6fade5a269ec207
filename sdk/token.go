package sdk

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// RandomToken returns 32 bytes from crypto/rand, base64url-encoded without
// padding (43 characters). Registrar uses it for client ids, client secrets
// and registration access tokens.
func RandomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// HashToken returns the hex SHA-256 of a secret or token. SHA-256 without a
// salt is the right hash for 256-bit random values: there is nothing to
// guess (RFC 7592 §3 leaves the storage to the server).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenMatches reports whether token hashes to hash, in constant time.
// An empty hash never matches.
func TokenMatches(token, hash string) bool {
	if hash == "" {
		return false
	}
	got := HashToken(token)
	return subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1
}

// NeedsSecret reports whether a token_endpoint_auth_method uses a client
// secret issued by the server (RFC 7591 §2). none, private_key_jwt and the
// TLS methods do not.
func NeedsSecret(authMethod string) bool {
	switch authMethod {
	case "client_secret_basic", "client_secret_post", "client_secret_jwt":
		return true
	}
	return false
}

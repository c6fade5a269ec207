package config

import (
	"encoding/base64"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// secretKeyBytes is the size of secrets.encryption_key: an AES-256 key.
const secretKeyBytes = 32

// secretsSchema is the body of the secrets block.
var secretsSchema = schema([]string{"encryption_key"})

// decodeSecrets decodes the secrets block; block is nil when it is absent.
// It returns the key (nil when not configured) and the attribute's state,
// which tells the profiles whether a missing key is worth reporting.
// Diagnostics never contain the key.
func (d *decoder) decodeSecrets(block *hcl.Block) ([]byte, state) {
	attr := d.content(block, secretsSchema).Attributes["encryption_key"]
	var s string
	st := d.str(attr, &s)
	if st != set {
		return nil, st
	}
	key, ok := decodeBase64(s)
	rng := attr.Expr.Range()
	switch {
	case !ok:
		d.errorf(rng, "Invalid encryption_key",
			"encryption_key must be base64 (standard or URL alphabet, padded or not) of %d random bytes; generate one with: openssl rand -base64 32.", secretKeyBytes)
		return nil, invalid
	case len(key) != secretKeyBytes:
		d.errorf(rng, "Invalid encryption_key",
			"encryption_key must decode to exactly %d bytes (an AES-256 key); it decodes to %d bytes. Generate one with: openssl rand -base64 32.", secretKeyBytes, len(key))
		return nil, invalid
	}
	return key, set
}

// decodeBase64 decodes standard or URL-safe base64, padded or not.
func decodeBase64(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, false
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

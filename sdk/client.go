package sdk

import "time"

// Client is a registered client as the store keeps it: the accepted
// metadata plus the values the server manages (RFC 7591 §3.2.1).
//
// A Client never holds a plaintext client secret or registration access
// token: both are kept as SHA-256 hashes (hex), compared in constant time.
// A secret for client_secret_jwt, which the authorization server must be
// able to recover, is additionally kept sealed with AES-GCM. Only the
// processor and the store see the hashes and the sealed secret: in what
// validators and the response generator receive
// (RegistrationContext.ValidatorView, ResponseView) the hashes are
// RedactedHash and the sealed secret is nil.
type Client struct {
	// ID is the client_id, unique in the store.
	ID string `json:"client_id"`
	// Metadata is the accepted client metadata.
	Metadata Metadata `json:"metadata"`
	// IssuedAt is client_id_issued_at, in seconds since the epoch.
	IssuedAt int64 `json:"client_id_issued_at"`
	// SecretHash is the hex SHA-256 of the client secret; empty when the
	// client has no secret.
	SecretHash string `json:"client_secret_hash,omitempty"`
	// SecretSealed is the client secret sealed with the server's secret
	// encryption key (AES-256-GCM, nonce first); set only for
	// client_secret_jwt.
	SecretSealed []byte `json:"client_secret_sealed,omitempty"`
	// SecretExpiresAt is client_secret_expires_at: 0 for never (RFC 7591
	// §3.2.1). Meaningful only when SecretHash is set.
	SecretExpiresAt int64 `json:"client_secret_expires_at"`
	// RegistrationTokenHash is the hex SHA-256 of the current registration
	// access token (RFC 7592 §3). Empty means the token was revoked and the
	// registration can no longer be managed.
	RegistrationTokenHash string `json:"registration_access_token_hash,omitempty"`
	// Profile is the registration profile the client registered under; its
	// updates are validated under the same profile.
	Profile string `json:"profile,omitempty"`
	// Revision counts the writes of the record. The store sets it: 1 after
	// Create, +1 after each Update. Update and Delete take the revision
	// that was read, and fail with ErrConflict when it is no longer current.
	Revision int64 `json:"revision"`
	// UpdatedAt is the time of the last write, in seconds since the epoch.
	UpdatedAt int64 `json:"updated_at"`
}

// Clone returns a deep copy of c.
func (c Client) Clone() Client {
	out := c
	out.Metadata = c.Metadata.Clone()
	if c.SecretSealed != nil {
		out.SecretSealed = append([]byte(nil), c.SecretSealed...)
	}
	return out
}

// HasSecret reports whether a client secret was issued to c.
func (c Client) HasSecret() bool { return c.SecretHash != "" }

// redacted returns c without its credential hashes (RedactedHash when
// set) and without its sealed secret.
func (c Client) redacted() Client {
	if c.SecretHash != "" {
		c.SecretHash = RedactedHash
	}
	if c.RegistrationTokenHash != "" {
		c.RegistrationTokenHash = RedactedHash
	}
	c.SecretSealed = nil
	return c
}

// SecretExpired reports whether c has a secret whose
// client_secret_expires_at (RFC 7591 §3.2.1) is at or before now. A secret
// that never expires (0) and a client without a secret are not expired. A
// processor issues a new secret on an RFC 7592 §2.2 update of such a
// client, which the RFC allows, so the client is not left without a usable
// one.
func (c Client) SecretExpired(now time.Time) bool {
	return c.HasSecret() && c.SecretExpiresAt != 0 && c.SecretExpiresAt <= now.Unix()
}

// Credentials are the plaintext values issued in this request. They appear
// in the response only and are never stored or logged; of the steps, only
// the processor (which issues them) and the response generator (which
// answers with them) receive them, never a validator.
type Credentials struct {
	// ClientSecret is set when a secret was issued or rotated.
	ClientSecret string `json:"-"`
	// RegistrationAccessToken is set when a token was issued or rotated.
	RegistrationAccessToken string `json:"-"`
}

// String hides the values so a stray log line cannot leak them.
func (Credentials) String() string { return "sdk.Credentials{REDACTED}" }

// GoString hides the values from %#v as well.
func (Credentials) GoString() string { return "sdk.Credentials{REDACTED}" }

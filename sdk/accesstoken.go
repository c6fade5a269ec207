package sdk

// InitialAccessToken is an initial access token record (RFC 7591 §3): an
// OAuth 2.0 access token, issued out of band by the operator, that
// authorizes registrations under one profile. The store keeps only the
// token's hash; the plaintext is shown once, when the token is created.
type InitialAccessToken struct {
	// ID identifies the token in listings, logs and sdk.Caller.TokenID; it
	// is not secret. Unique in the store.
	ID string `json:"id"`
	// Hash is the hex SHA-256 of the token (HashToken). Unique in the
	// store.
	Hash string `json:"hash"`
	// Profile is the registration profile a caller presenting the token
	// registers under.
	Profile string `json:"profile"`
	// Description is the operator's note; never the token.
	Description string `json:"description,omitempty"`
	// CreatedAt is when the token was issued, in seconds since the epoch.
	CreatedAt int64 `json:"created_at"`
	// ExpiresAt is when the token stops working, in seconds since the
	// epoch; 0 means never.
	ExpiresAt int64 `json:"expires_at"`
	// MaxUses is how many registrations the token allows; 0 means no
	// limit.
	MaxUses int64 `json:"max_uses"`
	// Uses counts the registrations made with the token.
	Uses int64 `json:"uses"`
	// Revoked is true once the token was revoked; a revoked token never
	// works again.
	Revoked bool `json:"revoked,omitempty"`
	// Revision counts the writes of the record, as Client.Revision does:
	// 1 after CreateToken, +1 after each UpdateToken.
	Revision int64 `json:"revision"`
}

// Usable reports whether the token may authorize one more registration at
// now (seconds since the epoch): not revoked, not expired and not used up.
func (t InitialAccessToken) Usable(now int64) bool {
	return !t.Revoked &&
		(t.ExpiresAt == 0 || now < t.ExpiresAt) &&
		(t.MaxUses == 0 || t.Uses < t.MaxUses)
}

// Remaining is the number of registrations the token still allows, or -1
// when it has no use limit.
func (t InitialAccessToken) Remaining() int64 {
	if t.MaxUses == 0 {
		return -1
	}
	return max(t.MaxUses-t.Uses, 0)
}

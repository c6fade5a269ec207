package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// TokenRequest describes an initial access token to issue.
type TokenRequest struct {
	// Profile is the profile the token admits to.
	Profile string
	// Lifetime is how long the token works; 0 means no expiry.
	Lifetime time.Duration
	// MaxUses is how many registrations it allows; 0 means no limit.
	MaxUses int64
	// Description is the operator's note.
	Description string
}

// IssueToken creates an initial access token (RFC 7591 §3) in s and
// returns its plaintext, which exists nowhere else: s keeps only the
// SHA-256 hash. The record's ID ("iat_" and 16 hex digits) names it in
// listings and logs.
func IssueToken(ctx context.Context, s sdk.Store, req TokenRequest, now time.Time) (string, sdk.InitialAccessToken, error) {
	plain, err := sdk.RandomToken()
	if err != nil {
		return "", sdk.InitialAccessToken{}, err
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", sdk.InitialAccessToken{}, err
	}
	t := sdk.InitialAccessToken{
		ID:          "iat_" + hex.EncodeToString(id[:]),
		Hash:        sdk.HashToken(plain),
		Profile:     req.Profile,
		Description: req.Description,
		CreatedAt:   now.Unix(),
		MaxUses:     req.MaxUses,
	}
	if req.Lifetime > 0 {
		t.ExpiresAt = now.Add(req.Lifetime).Unix()
	}
	stored, err := s.CreateToken(ctx, t)
	if err != nil {
		return "", sdk.InitialAccessToken{}, err
	}
	return plain, stored, nil
}

// maxRevokeAttempts bounds RevokeToken's compare-and-swap loop; conflicts
// (registrations counting uses meanwhile) back off between attempts.
const maxRevokeAttempts = 16

// RevokeToken revokes the issued token with the given ID; sdk.ErrNotFound
// when there is none. Revoking a revoked token succeeds.
func RevokeToken(ctx context.Context, s sdk.Store, id string) error {
	for attempt := 1; attempt <= maxRevokeAttempts; attempt++ {
		if attempt > 1 && !conflictBackoff(ctx, attempt-1) {
			return ctx.Err()
		}
		tokens, err := s.ListTokens(ctx)
		if err != nil {
			return err
		}
		var t *sdk.InitialAccessToken
		for i := range tokens {
			if tokens[i].ID == id {
				t = &tokens[i]
				break
			}
		}
		if t == nil {
			return sdk.ErrNotFound
		}
		if t.Revoked {
			return nil
		}
		t.Revoked = true
		if _, err = s.UpdateToken(ctx, *t); !errors.Is(err, sdk.ErrConflict) {
			return err
		}
	}
	return sdk.ErrConflict
}

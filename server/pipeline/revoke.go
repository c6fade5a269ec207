package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// RevokeRegistrationToken revokes the registration access token of the
// client clientID in s, for an operator (registrar client revoke-token):
// the token stops working at once (RFC 7592 §2.1, 401 for any later use)
// and the client can no longer manage its registration; it keeps its
// client_id and credentials at the authorization server. revoked is false
// when the client had no live token. A concurrent write is retried with
// backoff within ctx. Errors: sdk.ErrNotFound for an unknown client; the
// store's error when it cannot write.
func RevokeRegistrationToken(ctx context.Context, s sdk.Store, clientID string, now time.Time) (revoked bool, err error) {
	r := defaultRevokeRetry
	for attempt := 1; ; attempt++ {
		c, err := s.Get(ctx, clientID)
		if err != nil {
			return false, err
		}
		if c.RegistrationTokenHash == "" {
			return false, nil
		}
		c.RegistrationTokenHash = ""
		c.UpdatedAt = now.Unix()
		_, err = s.Update(ctx, c)
		if !errors.Is(err, sdk.ErrConflict) {
			return err == nil, err
		}
		if attempt >= r.attempts || !sleep(ctx, r.backoff(attempt)) {
			return false, err
		}
	}
}

package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

func TestProcessorCreate(t *testing.T) {
	sealer, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name       string
		method     string
		sealer     *Sealer
		lifetime   int64
		wantSecret bool
		wantSealed bool
		wantExpiry int64
		wantErr    error
	}{
		{name: "client_secret_basic", method: "client_secret_basic", wantSecret: true},
		{name: "client_secret_post with lifetime", method: "client_secret_post", lifetime: 3600, wantSecret: true, wantExpiry: now.Unix() + 3600},
		{name: "none", method: "none"},
		{name: "private_key_jwt", method: "private_key_jwt"},
		{name: "tls_client_auth", method: "tls_client_auth"},
		{name: "client_secret_jwt sealed", method: "client_secret_jwt", sealer: sealer, wantSecret: true, wantSealed: true},
		{name: "client_secret_jwt without key", method: "client_secret_jwt", wantErr: sdk.ErrInvalidClientMetadata},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := sdk.RegistrationContext{
				Operation: sdk.OperationCreate,
				Caller:    sdk.Caller{Profile: "p"},
				Policy:    sdk.Policy{ClientSecretLifetime: tc.lifetime},
				Client:    sdk.Client{Metadata: sdk.Metadata{TokenEndpointAuthMethod: tc.method}},
				Now:       now,
			}
			out, err := Processor{Sealer: tc.sealer}.Process(context.Background(), rc)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := out.Client
			if len(c.ID) != 43 || c.IssuedAt != now.Unix() || c.Profile != "p" {
				t.Errorf("identity: %+v", c)
			}
			if !sdk.TokenMatches(out.Issued.RegistrationAccessToken, c.RegistrationTokenHash) {
				t.Error("registration access token does not match its hash")
			}
			if got := out.Issued.ClientSecret != ""; got != tc.wantSecret {
				t.Fatalf("secret issued = %v, want %v", got, tc.wantSecret)
			}
			if tc.wantSecret && !sdk.TokenMatches(out.Issued.ClientSecret, c.SecretHash) {
				t.Error("secret does not match its hash")
			}
			if !tc.wantSecret && (c.SecretHash != "" || c.SecretSealed != nil) {
				t.Error("a secret was stored for a method without one")
			}
			if c.SecretExpiresAt != tc.wantExpiry {
				t.Errorf("client_secret_expires_at = %d, want %d", c.SecretExpiresAt, tc.wantExpiry)
			}
			if (c.SecretSealed != nil) != tc.wantSealed {
				t.Fatalf("sealed = %v, want %v", c.SecretSealed != nil, tc.wantSealed)
			}
			if tc.wantSealed {
				plain, err := sealer.Open(c.ID, c.SecretSealed)
				if err != nil || plain != out.Issued.ClientSecret {
					t.Errorf("sealed secret does not open: %v", err)
				}
				if _, err := sealer.Open("another-client", c.SecretSealed); err == nil {
					t.Error("a sealed secret opened for another client id")
				}
			}
		})
	}
}

func TestProcessorUpdateAndRead(t *testing.T) {
	cur := sdk.Client{
		ID: "id", IssuedAt: 1, Profile: "p", Revision: 4,
		Metadata:              sdk.Metadata{TokenEndpointAuthMethod: "client_secret_basic"},
		SecretHash:            sdk.HashToken("old-secret"),
		SecretExpiresAt:       5000, // after Now: a live secret
		RegistrationTokenHash: sdk.HashToken("old-token"),
	}
	const now, lifetime = 2000, 600
	tests := []struct {
		name          string
		op            sdk.Operation
		method        string
		rotation      string
		expiresAt     int64 // the current secret's expiry; 0 keeps cur's
		wantRotated   bool
		wantNewSecret bool
		wantNoSecret  bool
	}{
		// RFC 7592 §2.2: an update of a client whose secret has expired
		// issues a new one, so the client is not left without a usable
		// secret; a read never does.
		{name: "update replaces an expired secret", op: sdk.OperationUpdate, method: "client_secret_basic", rotation: sdk.RotateNever, expiresAt: 99, wantNewSecret: true},
		{name: "update replaces a secret expiring now", op: sdk.OperationUpdate, method: "client_secret_post", rotation: sdk.RotateOnUpdate, expiresAt: now, wantRotated: true, wantNewSecret: true},
		{name: "update keeps a secret expiring next second", op: sdk.OperationUpdate, method: "client_secret_basic", rotation: sdk.RotateNever, expiresAt: now + 1},
		{name: "update keeps a secret that never expires", op: sdk.OperationUpdate, method: "client_secret_basic", rotation: sdk.RotateNever, expiresAt: -1},
		{name: "read leaves an expired secret", op: sdk.OperationRead, method: "client_secret_basic", rotation: sdk.RotateOnUpdate, expiresAt: 99},
		{name: "expired secret dropped for none", op: sdk.OperationUpdate, method: "none", rotation: sdk.RotateNever, expiresAt: 99, wantNoSecret: true},
		{name: "update rotates by default", op: sdk.OperationUpdate, method: "client_secret_basic", rotation: sdk.RotateOnUpdate, wantRotated: true},
		{name: "update never rotates", op: sdk.OperationUpdate, method: "client_secret_basic", rotation: sdk.RotateNever},
		{name: "update on every use", op: sdk.OperationUpdate, method: "client_secret_basic", rotation: sdk.RotateOnEveryUse, wantRotated: true},
		{name: "read keeps the token", op: sdk.OperationRead, method: "client_secret_basic", rotation: sdk.RotateOnUpdate},
		{name: "read on every use rotates", op: sdk.OperationRead, method: "client_secret_basic", rotation: sdk.RotateOnEveryUse, wantRotated: true},
		{name: "to none drops the secret", op: sdk.OperationUpdate, method: "none", rotation: sdk.RotateOnUpdate, wantRotated: true, wantNoSecret: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := cur.Clone()
			switch {
			case tc.expiresAt < 0:
				cur.SecretExpiresAt = 0
			case tc.expiresAt > 0:
				cur.SecretExpiresAt = tc.expiresAt
			}
			c := cur.Clone()
			c.Metadata.TokenEndpointAuthMethod = tc.method
			rc := sdk.RegistrationContext{Operation: tc.op, Current: &cur, Client: c,
				Policy: sdk.Policy{TokenRotation: tc.rotation, ClientSecretLifetime: lifetime}, Now: time.Unix(now, 0)}
			out, err := Processor{}.Process(context.Background(), rc)
			if err != nil {
				t.Fatal(err)
			}
			if out.Client.ID != "id" || out.Client.IssuedAt != 1 || out.Client.Revision != 4 {
				t.Errorf("identity changed: %+v", out.Client)
			}
			rotated := out.Client.RegistrationTokenHash != cur.RegistrationTokenHash
			if rotated != tc.wantRotated {
				t.Errorf("rotated = %v, want %v", rotated, tc.wantRotated)
			}
			if rotated && !sdk.TokenMatches(out.Issued.RegistrationAccessToken, out.Client.RegistrationTokenHash) {
				t.Error("the new token was not issued")
			}
			switch {
			case tc.wantNoSecret:
				if out.Client.HasSecret() || out.Issued.ClientSecret != "" {
					t.Error("secret kept for auth method none")
				}
			case tc.wantNewSecret:
				s := out.Issued.ClientSecret
				if s == "" || !sdk.TokenMatches(s, out.Client.SecretHash) || out.Client.SecretHash == cur.SecretHash {
					t.Error("the expired secret was not replaced by a new, issued one")
				}
				if out.Client.SecretExpiresAt != now+lifetime {
					t.Errorf("client_secret_expires_at = %d, want %d", out.Client.SecretExpiresAt, now+lifetime)
				}
			default:
				if out.Client.SecretHash != cur.SecretHash || out.Issued.ClientSecret != "" || out.Client.SecretExpiresAt != cur.SecretExpiresAt {
					t.Error("the unchanged secret was replaced")
				}
			}
		})
	}
}

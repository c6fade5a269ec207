package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

func TestDefaultProcessorCreate(t *testing.T) {
	sealer, err := sdk.NewAESSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name       string
		method     string
		sealer     sdk.Sealer
		lifetime   int64
		wantSecret bool
		wantSealed bool
		wantExpiry int64
		wantErr    error
		wantDesc   string // part of the error's description
	}{
		{name: "client_secret_basic", method: "client_secret_basic", wantSecret: true},
		{name: "client_secret_post with lifetime", method: "client_secret_post", lifetime: 3600, wantSecret: true, wantExpiry: now.Unix() + 3600},
		{name: "none", method: "none"},
		{name: "private_key_jwt", method: "private_key_jwt"},
		{name: "tls_client_auth", method: "tls_client_auth"},
		{name: "client_secret_jwt sealed", method: "client_secret_jwt", sealer: sealer, wantSecret: true, wantSealed: true},
		{name: "client_secret_jwt without key", method: "client_secret_jwt", wantErr: sdk.ErrInvalidClientMetadata(),
			wantDesc: "this processor cannot keep a recoverable secret"},
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
			out, err := sdk.DefaultProcessor{Sealer: tc.sealer}.Process(context.Background(), rc)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				// A processor without a Sealer (a plugin's) must not
				// blame the server's configuration.
				if e, ok := sdk.AsError(err); !ok || !strings.Contains(e.Description, tc.wantDesc) ||
					strings.Contains(e.Description, "configured") {
					t.Errorf("error %v, want a description saying %q", err, tc.wantDesc)
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

func TestDefaultProcessorUpdateAndRead(t *testing.T) {
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
			out, err := sdk.DefaultProcessor{}.Process(context.Background(), rc)
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

func TestDefaultProcessorClientID(t *testing.T) {
	sealer, err := sdk.NewAESSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	errHook := errors.New("directory down")
	tests := []struct {
		name    string
		hook    func(context.Context, sdk.RegistrationContext) (string, error)
		method  string
		wantID  string // "" means a RandomToken
		wantErr error
		oauth   bool // the error is an *sdk.Error for the client
	}{
		{name: "nil hook gives a random id", method: "none"},
		{name: "hook id used", method: "client_secret_basic", wantID: "acme.1",
			hook: func(_ context.Context, rc sdk.RegistrationContext) (string, error) {
				return rc.Caller.Claims["tenant"].(string) + ".1", nil
			}},
		{name: "hook id bound to the sealed secret", method: "client_secret_jwt", wantID: "acme.2",
			hook: func(context.Context, sdk.RegistrationContext) (string, error) { return "acme.2", nil }},
		{name: "hook refusal is the answer", method: "none", wantErr: sdk.ErrAccessDenied(), oauth: true,
			hook: func(context.Context, sdk.RegistrationContext) (string, error) {
				return "", sdk.ErrAccessDenied().WithDescription("no tenant")
			}},
		{name: "hook failure is internal", method: "none", wantErr: errHook,
			hook: func(context.Context, sdk.RegistrationContext) (string, error) { return "", errHook }},
		{name: "empty id is internal", method: "none",
			hook: func(context.Context, sdk.RegistrationContext) (string, error) { return "", nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := sdk.RegistrationContext{
				Operation: sdk.OperationCreate,
				Caller:    sdk.Caller{Profile: "p", Claims: map[string]any{"tenant": "acme"}},
				Client:    sdk.Client{Metadata: sdk.Metadata{TokenEndpointAuthMethod: tc.method}},
				Items:     map[string]string{"k": "v"},
				Now:       now,
			}
			out, err := sdk.DefaultProcessor{ClientID: tc.hook, Sealer: sealer}.Process(t.Context(), rc)
			if tc.wantErr != nil || tc.name == "empty id is internal" {
				if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if _, isOAuth := sdk.AsError(err); isOAuth != tc.oauth {
					t.Fatalf("err = %v: OAuth error %v, want %v", err, isOAuth, tc.oauth)
				}
				if out.Issued != (sdk.Credentials{}) {
					t.Fatal("credentials issued for a refused registration")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := out.Client
			switch {
			case tc.wantID == "" && len(c.ID) != 43:
				t.Errorf("id %q, want a RandomToken", c.ID)
			case tc.wantID != "" && c.ID != tc.wantID:
				t.Errorf("id %q, want %q", c.ID, tc.wantID)
			}
			if out.Items["k"] != "v" {
				t.Errorf("items = %v", out.Items)
			}
			if c.SecretSealed != nil {
				if plain, err := sealer.Open(c.ID, c.SecretSealed); err != nil || plain != out.Issued.ClientSecret {
					t.Errorf("the sealed secret does not open for the hook's id: %v", err)
				}
			}
		})
	}

	// The hook names new clients only: an update or a read keeps the id.
	called := false
	dp := sdk.DefaultProcessor{ClientID: func(context.Context, sdk.RegistrationContext) (string, error) {
		called = true
		return "new", nil
	}}
	cur := sdk.Client{ID: "old", Metadata: sdk.Metadata{TokenEndpointAuthMethod: "none"}}
	for _, op := range []sdk.Operation{sdk.OperationUpdate, sdk.OperationRead, sdk.OperationDelete} {
		out, err := dp.Process(t.Context(), sdk.RegistrationContext{Operation: op, Current: &cur, Client: cur.Clone(), Now: now})
		if err != nil || out.Client.ID != "old" || called {
			t.Errorf("%s: id %q, hook called %v, err %v", op, out.Client.ID, called, err)
		}
	}
}

func TestDefaultProcessorClientSecretJWTUpdate(t *testing.T) {
	sealer, err := sdk.NewAESSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(2000, 0)
	sealed, err := sealer.Seal("id", "old-secret")
	if err != nil {
		t.Fatal(err)
	}
	basic := sdk.Client{ID: "id", Metadata: sdk.Metadata{TokenEndpointAuthMethod: "client_secret_basic"}, SecretHash: sdk.HashToken("old-secret")}
	jwt := basic.Clone()
	jwt.Metadata.TokenEndpointAuthMethod = "client_secret_jwt"
	jwt.SecretSealed = sealed
	tests := []struct {
		name       string
		cur        sdk.Client
		method     string
		sealer     sdk.Sealer
		wantNew    bool
		wantSealed bool
		wantErr    error
		wantDesc   string // part of the error's description
	}{
		{name: "to client_secret_jwt seals a new secret", cur: basic, method: "client_secret_jwt", sealer: sealer, wantNew: true, wantSealed: true},
		{name: "to client_secret_jwt without a sealer is refused", cur: basic, method: "client_secret_jwt", wantErr: sdk.ErrInvalidClientMetadata(),
			wantDesc: "this processor cannot keep a recoverable secret"},
		{name: "client_secret_jwt keeps its sealed secret", cur: jwt, method: "client_secret_jwt", sealer: sealer, wantSealed: true},
		{name: "from client_secret_jwt drops the sealed secret", cur: jwt, method: "client_secret_post", sealer: sealer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := tc.cur.Clone()
			c := cur.Clone()
			c.Metadata.TokenEndpointAuthMethod = tc.method
			out, err := sdk.DefaultProcessor{Sealer: tc.sealer}.Process(t.Context(), sdk.RegistrationContext{
				Operation: sdk.OperationUpdate, Current: &cur, Client: c, Policy: sdk.Policy{TokenRotation: sdk.RotateNever}, Now: now})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				// A processor without a Sealer (a plugin's) must not
				// blame the server's configuration.
				if e, ok := sdk.AsError(err); !ok || !strings.Contains(e.Description, tc.wantDesc) ||
					strings.Contains(e.Description, "configured") {
					t.Errorf("error %v, want a description saying %q", err, tc.wantDesc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := out.Issued.ClientSecret
			if (s != "") != tc.wantNew {
				t.Fatalf("new secret issued = %v, want %v", s != "", tc.wantNew)
			}
			if (out.Client.SecretSealed != nil) != tc.wantSealed {
				t.Fatalf("sealed = %v, want %v", out.Client.SecretSealed != nil, tc.wantSealed)
			}
			want := "old-secret"
			if tc.wantNew {
				want = s
			}
			if !sdk.TokenMatches(want, out.Client.SecretHash) {
				t.Error("the secret hash does not match the client's secret")
			}
			if tc.wantSealed {
				if plain, err := sealer.Open("id", out.Client.SecretSealed); err != nil || plain != want {
					t.Errorf("the sealed secret opens to the wrong value (%v)", err)
				}
			}
		})
	}
}

func TestAESSealer(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := sdk.NewAESSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := sdk.NewAESSealer(make([]byte, 32))
	sealed, err := s.Seal("client-a", "the-secret")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Seal("client-a", "the-secret")
	if string(sealed) == string(again) {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name     string
		sealer   *sdk.AESSealer
		clientID string
		sealed   []byte
		want     string // "" means Open fails
	}{
		{name: "opens for its client", sealer: s, clientID: "client-a", sealed: sealed, want: "the-secret"},
		{name: "not for another client", sealer: s, clientID: "client-b", sealed: sealed},
		{name: "not with another key", sealer: other, clientID: "client-a", sealed: sealed},
		{name: "not when altered", sealer: s, clientID: "client-a", sealed: tampered},
		{name: "not when truncated", sealer: s, clientID: "client-a", sealed: sealed[:10]},
		{name: "nil", sealer: s, clientID: "client-a"},
		{name: "nil sealer", clientID: "client-a", sealed: sealed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.clientID, tc.sealed)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Open = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Open = %q, %v, want %q", got, err, tc.want)
			}
		})
	}

	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := sdk.NewAESSealer(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
	holder := struct{ P sdk.DefaultProcessor }{sdk.DefaultProcessor{Sealer: s}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, holder); strings.Contains(out, "0123456789abcdef") || strings.Contains(out, fmt.Sprintf("%x", key[:8])) {
			t.Errorf("%s of a processor shows its key: %s", format, out)
		}
	}
}

package sdk_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// TestViews: ValidatorView drops every credential; ResponseView keeps only
// the plaintext to answer with. Neither changes the context it was made
// from, and both still tell whether the client has a secret and when it
// expires.
func TestViews(t *testing.T) {
	client := func(id string) sdk.Client {
		return sdk.Client{ID: id, SecretHash: sdk.HashToken("secret"), SecretSealed: []byte("sealed"),
			SecretExpiresAt: 42, RegistrationTokenHash: sdk.HashToken("token"), Revision: 3}
	}
	cur := client("c")
	issued := sdk.Credentials{ClientSecret: "plain-secret", RegistrationAccessToken: "plain-token"}
	tests := []struct {
		name       string
		rc         sdk.RegistrationContext
		view       func(sdk.RegistrationContext) sdk.RegistrationContext
		wantIssued sdk.Credentials
	}{
		{"zero validator", sdk.RegistrationContext{}, sdk.RegistrationContext.ValidatorView, sdk.Credentials{}},
		{"zero response", sdk.RegistrationContext{}, sdk.RegistrationContext.ResponseView, sdk.Credentials{}},
		{"update validator", sdk.RegistrationContext{Client: client("c"), Current: &cur, Issued: issued}, sdk.RegistrationContext.ValidatorView, sdk.Credentials{}},
		{"update response", sdk.RegistrationContext{Client: client("c"), Current: &cur, Issued: issued}, sdk.RegistrationContext.ResponseView, issued},
		{"create validator", sdk.RegistrationContext{Client: client("c"), Issued: issued}, sdk.RegistrationContext.ValidatorView, sdk.Credentials{}},
		{"create response", sdk.RegistrationContext{Client: client("c"), Issued: issued}, sdk.RegistrationContext.ResponseView, issued},
		{"no secret", sdk.RegistrationContext{Client: sdk.Client{ID: "c"}}, sdk.RegistrationContext.ValidatorView, sdk.Credentials{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.rc
			var beforeCur sdk.Client
			if tc.rc.Current != nil {
				beforeCur = tc.rc.Current.Clone()
			}
			got := tc.view(tc.rc)
			if got.Issued != tc.wantIssued {
				t.Error("Issued: the view holds the wrong plaintext")
			}
			clients := []sdk.Client{got.Client}
			if got.Current != nil {
				clients = append(clients, *got.Current)
				if got.Current == tc.rc.Current {
					t.Error("the view shares Current with its source")
				}
			}
			orig := []sdk.Client{tc.rc.Client}
			if tc.rc.Current != nil {
				orig = append(orig, *tc.rc.Current)
			}
			for i, c := range clients {
				for _, h := range []string{c.SecretHash, c.RegistrationTokenHash} {
					if h != "" && h != sdk.RedactedHash {
						t.Errorf("client %d: a hash is visible: %q", i, h)
					}
				}
				if c.SecretSealed != nil {
					t.Errorf("client %d: the sealed secret is visible", i)
				}
				if c.HasSecret() != orig[i].HasSecret() || c.SecretExpiresAt != orig[i].SecretExpiresAt ||
					(c.RegistrationTokenHash == "") != (orig[i].RegistrationTokenHash == "") || c.ID != orig[i].ID || c.Revision != orig[i].Revision {
					t.Errorf("client %d: the view changed more than the credentials", i)
				}
				if sdk.TokenMatches("secret", c.SecretHash) || sdk.TokenMatches("token", c.RegistrationTokenHash) {
					t.Errorf("client %d: a redacted hash still matches its credential", i)
				}
			}
			if tc.rc.Client.SecretHash != before.Client.SecretHash || tc.rc.Issued != before.Issued ||
				!bytes.Equal(tc.rc.Client.SecretSealed, before.Client.SecretSealed) {
				t.Error("the view changed its source's client")
			}
			if tc.rc.Current != nil && (tc.rc.Current.SecretHash != beforeCur.SecretHash ||
				tc.rc.Current.RegistrationTokenHash != beforeCur.RegistrationTokenHash || tc.rc.Current.SecretSealed == nil) {
				t.Error("the view changed its source's current client")
			}
		})
	}
}

// TestSecretExpired: a secret expires at client_secret_expires_at; 0 is
// never (RFC 7591 §3.2.1); a client without a secret has none to expire.
func TestSecretExpired(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tc := range []struct {
		name string
		c    sdk.Client
		want bool
	}{
		{"zero", sdk.Client{}, false},
		{"no secret with a past expiry", sdk.Client{SecretExpiresAt: 1}, false},
		{"never", sdk.Client{SecretHash: "h"}, false},
		{"past", sdk.Client{SecretHash: "h", SecretExpiresAt: 999}, true},
		{"now", sdk.Client{SecretHash: "h", SecretExpiresAt: 1000}, true},
		{"future", sdk.Client{SecretHash: "h", SecretExpiresAt: 1001}, false},
	} {
		if got := tc.c.SecretExpired(now); got != tc.want {
			t.Errorf("%s: SecretExpired = %v, want %v", tc.name, got, tc.want)
		}
	}
}

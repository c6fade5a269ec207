package main_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

var now = time.Unix(1_700_000_000, 0).UTC()

// randomPart is what sdk.RandomToken returns: 43 base64url characters.
var randomPart = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func create(method string, claims map[string]any) sdk.RegistrationContext {
	return sdk.RegistrationContext{
		Operation: sdk.OperationCreate,
		Client: sdk.Client{Metadata: sdk.Metadata{
			RedirectURIs:            []string{"https://app.example.com/cb"},
			TokenEndpointAuthMethod: method,
			GrantTypes:              []string{"authorization_code"},
			ClientName:              "Tenant app",
			Extensions:              map[string]json.RawMessage{"x_custom": json.RawMessage(`{"kept":true}`)},
		}},
		Caller: sdk.Caller{Method: sdk.AuthBearerJWT, Profile: "partners", Subject: "svc-1", Claims: claims},
		Policy: sdk.Policy{ClientSecretLifetime: 86400},
		Items:  map[string]string{"from_validator": "yes"},
		Now:    now,
	}
}

func TestTenantPrefix(t *testing.T) {
	bin := plugintest.Build(t, ".")
	inst := plugintest.Start(t, bin, plugintest.WithConfig([]byte(`{"claim": "tenant", "default_tenant": "public"}`)))
	p, err := inst.Processor()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("create", func(t *testing.T) {
		tests := []struct {
			name       string
			claims     map[string]any
			wantTenant string
		}{
			{"claim tenant", map[string]any{"tenant": "acme", "scope": "dcr"}, "acme"},
			{"claim with digits and dash", map[string]any{"tenant": "eu-west-2"}, "eu-west-2"},
			{"without claim", map[string]any{"scope": "dcr"}, "public"},
			{"without claims at all", nil, "public"},
			{"null claim", map[string]any{"tenant": nil}, "public"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rc := create("client_secret_basic", tc.claims)
				out, err := p.Process(t.Context(), rc)
				if err != nil {
					t.Fatal(err)
				}
				c := out.Client
				prefix, random, ok := strings.Cut(c.ID, ".")
				if !ok || prefix != tc.wantTenant || !randomPart.MatchString(random) {
					t.Fatalf("client_id %q, want %q + \".\" + a random token", c.ID, tc.wantTenant)
				}
				if c.IssuedAt != now.Unix() || c.Profile != "partners" {
					t.Errorf("issued_at %d, profile %q", c.IssuedAt, c.Profile)
				}
				if out.Items["tenant"] != tc.wantTenant || out.Items["from_validator"] != "yes" {
					t.Errorf("items = %v", out.Items)
				}
				want, _ := rc.Client.Metadata.MarshalJSON()
				got, _ := c.Metadata.MarshalJSON()
				if string(got) != string(want) {
					t.Errorf("metadata changed:\n got %s\nwant %s", got, want)
				}
				if out.Issued.RegistrationAccessToken == "" || !sdk.TokenMatches(out.Issued.RegistrationAccessToken, c.RegistrationTokenHash) {
					t.Error("no registration access token, or its hash does not match")
				}
			})
		}

		// Two registrations never share an id.
		a, _ := p.Process(t.Context(), create("none", nil))
		b, _ := p.Process(t.Context(), create("none", nil))
		if a.Client.ID == b.Client.ID {
			t.Fatalf("two clients got the id %q", a.Client.ID)
		}
	})

	t.Run("invalid tenant claim", func(t *testing.T) {
		for _, claim := range []any{"ACME", "acme.corp", "", strings.Repeat("a", 33), "acme/../x", 42, []any{"acme"}} {
			_, err := p.Process(t.Context(), create("none", map[string]any{"tenant": claim}))
			var e *sdk.Error
			if !errors.As(err, &e) || !errors.Is(err, sdk.ErrAccessDenied()) || e.Status != http.StatusForbidden {
				t.Errorf("tenant %#v: got %v, want access_denied (403)", claim, err)
				continue
			}
			if !strings.Contains(e.Description, "tenant claim is not a valid tenant name") {
				t.Errorf("tenant %#v: description %q", claim, e.Description)
			}
		}
	})

	t.Run("secret issued only for secret methods", func(t *testing.T) {
		for _, tc := range []struct {
			method     string
			wantSecret bool
		}{
			{"client_secret_basic", true},
			{"client_secret_post", true},
			{"none", false},
			{"private_key_jwt", false},
			{"tls_client_auth", false},
			{"self_signed_tls_client_auth", false},
		} {
			out, err := p.Process(t.Context(), create(tc.method, map[string]any{"tenant": "acme"}))
			if err != nil {
				t.Fatalf("%s: %v", tc.method, err)
			}
			c, secret := out.Client, out.Issued.ClientSecret
			if !tc.wantSecret {
				if secret != "" || c.HasSecret() || c.SecretExpiresAt != 0 || c.SecretSealed != nil {
					t.Errorf("%s: a secret was issued", tc.method)
				}
				continue
			}
			if secret == "" || !sdk.TokenMatches(secret, c.SecretHash) {
				t.Errorf("%s: no secret, or its hash does not match", tc.method)
			}
			if c.SecretExpiresAt != now.Unix()+86400 {
				t.Errorf("%s: client_secret_expires_at %d, want now + client_secret_lifetime", tc.method, c.SecretExpiresAt)
			}
			if c.SecretHash == secret || strings.Contains(c.SecretHash, secret) {
				t.Errorf("%s: the plaintext secret is in the record", tc.method)
			}
		}

		rc := create("client_secret_basic", nil)
		rc.Policy.ClientSecretLifetime = 0
		out, err := p.Process(t.Context(), rc)
		if err != nil || out.Client.SecretExpiresAt != 0 {
			t.Errorf("secret without lifetime: expires at %d, %v (want 0: never)", out.Client.SecretExpiresAt, err)
		}

		_, err = p.Process(t.Context(), create("client_secret_jwt", nil))
		if !errors.Is(err, sdk.ErrInvalidClientMetadata()) || !strings.Contains(err.Error(), "token_endpoint_auth_method: client_secret_jwt") {
			t.Errorf("client_secret_jwt: got %v, want invalid_client_metadata", err)
		}
	})

	t.Run("update keeps id", func(t *testing.T) {
		created, err := p.Process(t.Context(), create("client_secret_basic", map[string]any{"tenant": "acme"}))
		if err != nil {
			t.Fatal(err)
		}
		cur := created.Client
		cur.Revision = 3
		update := func(method, rotation string, claims map[string]any) (sdk.RegistrationContext, error) {
			stored := cur.Clone()
			return p.Process(t.Context(), sdk.RegistrationContext{
				Operation: sdk.OperationUpdate,
				Client:    sdk.Client{Metadata: sdk.Metadata{TokenEndpointAuthMethod: method, ClientName: "Renamed"}},
				Current:   &stored,
				Caller:    sdk.Caller{Method: sdk.AuthRegistrationAccessToken, Profile: "partners", Claims: claims},
				Policy:    sdk.Policy{TokenRotation: rotation, ClientSecretLifetime: 60},
				Now:       now.Add(time.Hour),
			})
		}

		// Same method, default rotation: identity and secret kept, new
		// token. A tenant claim of the updating caller changes nothing.
		out, err := update("client_secret_basic", "", map[string]any{"tenant": "other"})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Client
		if c.ID != cur.ID || c.IssuedAt != cur.IssuedAt || c.Profile != cur.Profile || c.Revision != 3 {
			t.Fatalf("identity changed: %q issued %d profile %q revision %d", c.ID, c.IssuedAt, c.Profile, c.Revision)
		}
		if c.SecretHash != cur.SecretHash || c.SecretExpiresAt != cur.SecretExpiresAt || out.Issued.ClientSecret != "" {
			t.Error("the secret changed on update")
		}
		if c.Metadata.ClientName != "Renamed" {
			t.Errorf("metadata not taken from the update: %+v", c.Metadata)
		}
		if out.Issued.RegistrationAccessToken == "" || c.RegistrationTokenHash == cur.RegistrationTokenHash ||
			!sdk.TokenMatches(out.Issued.RegistrationAccessToken, c.RegistrationTokenHash) {
			t.Error("the registration access token was not rotated")
		}

		// rotation "never": the token stays.
		out, err = update("client_secret_basic", sdk.RotateNever, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.Issued.RegistrationAccessToken != "" || out.Client.RegistrationTokenHash != cur.RegistrationTokenHash {
			t.Error("the token was rotated under rotation never")
		}

		// RFC 7592 §2.2: an update of a client whose secret has expired
		// issues a new secret with a future expiry and replaces the hash;
		// one that expires later is kept.
		for _, tc := range []struct {
			name      string
			expiresAt int64
			wantNew   bool
		}{
			{"expired an hour ago", now.Unix(), true},
			{"expiring at the update", now.Add(time.Hour).Unix(), true},
			{"expiring a second after the update", now.Add(time.Hour).Unix() + 1, false},
			{"never expiring", 0, false},
		} {
			saved := cur
			cur.SecretExpiresAt = tc.expiresAt
			out, err = update("client_secret_basic", sdk.RotateNever, nil)
			cur = saved
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			s, c := out.Issued.ClientSecret, out.Client
			if !tc.wantNew {
				if s != "" || c.SecretHash != cur.SecretHash || c.SecretExpiresAt != tc.expiresAt {
					t.Errorf("%s: the live secret was replaced", tc.name)
				}
				continue
			}
			if s == "" || !sdk.TokenMatches(s, c.SecretHash) || c.SecretHash == cur.SecretHash {
				t.Errorf("%s: no new secret, or the old hash kept", tc.name)
			}
			if want := now.Add(time.Hour).Unix() + 60; c.SecretExpiresAt != want {
				t.Errorf("%s: client_secret_expires_at %d, want %d", tc.name, c.SecretExpiresAt, want)
			}
		}

		// Moving to a public client drops the secret.
		out, err = update("none", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.Client.HasSecret() || out.Client.SecretExpiresAt != 0 || out.Issued.ClientSecret != "" {
			t.Error("a public client kept its secret")
		}

		// Moving to client_secret_jwt is refused.
		if _, err := update("client_secret_jwt", "", nil); !errors.Is(err, sdk.ErrInvalidClientMetadata()) {
			t.Errorf("client_secret_jwt on update: %v", err)
		}

		// A public client that moves to a secret method gets one.
		cur.SecretHash, cur.SecretExpiresAt = "", 0
		out, err = update("client_secret_post", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if s := out.Issued.ClientSecret; s == "" || !sdk.TokenMatches(s, out.Client.SecretHash) || out.Client.SecretExpiresAt != now.Add(time.Hour).Unix()+60 {
			t.Error("no new secret for a client moving to client_secret_post")
		}
		if out.Client.ID != cur.ID {
			t.Errorf("id changed to %q", out.Client.ID)
		}
	})

	t.Run("read and delete", func(t *testing.T) {
		created, err := p.Process(t.Context(), create("none", map[string]any{"tenant": "acme"}))
		if err != nil {
			t.Fatal(err)
		}
		stored := created.Client
		for _, tc := range []struct {
			op       sdk.Operation
			rotation string
			rotates  bool
		}{
			{sdk.OperationRead, "", false},
			{sdk.OperationRead, sdk.RotateOnUpdate, false},
			{sdk.OperationRead, sdk.RotateOnEveryUse, true},
			{sdk.OperationDelete, sdk.RotateOnEveryUse, false},
		} {
			cur := stored.Clone()
			out, err := p.Process(t.Context(), sdk.RegistrationContext{
				Operation: tc.op, Client: stored.Clone(), Current: &cur,
				Policy: sdk.Policy{TokenRotation: tc.rotation}, Now: now,
			})
			if err != nil {
				t.Fatalf("%s/%s: %v", tc.op, tc.rotation, err)
			}
			rotated := out.Client.RegistrationTokenHash != stored.RegistrationTokenHash
			if rotated != tc.rotates || (out.Issued.RegistrationAccessToken != "") != tc.rotates || out.Client.ID != stored.ID {
				t.Errorf("%s/%s: rotated %v, want %v", tc.op, tc.rotation, rotated, tc.rotates)
			}
		}
	})

	t.Run("config", func(t *testing.T) {
		strict := plugintest.Start(t, bin, plugintest.WithConfig([]byte(`{"claim": "org"}`)))
		sp, err := strict.Processor()
		if err != nil {
			t.Fatal(err)
		}
		out, err := sp.Process(t.Context(), create("none", map[string]any{"org": "globex", "tenant": "acme"}))
		if err != nil || !strings.HasPrefix(out.Client.ID, "globex.") {
			t.Fatalf("claim org: id %q, %v", out.Client.ID, err)
		}
		if _, err := sp.Process(t.Context(), create("none", nil)); !errors.Is(err, sdk.ErrAccessDenied()) {
			t.Fatalf("no claim and no default tenant: got %v, want access_denied", err)
		}

		for _, tc := range []struct{ config, attribute string }{
			{`{"default_tenant": "Public"}`, "default_tenant"},
			{`{"default_tenant": "a.b"}`, "default_tenant"},
			{`{"default_tenant": 7}`, "default_tenant"},
			{`{"claim": ""}`, "claim"},
			{`{"claim": ["tenant"]}`, "claim"},
			{`{"prefix": "x"}`, "prefix"},
			{`"tenant"`, ""},
		} {
			err := strict.Configure(t.Context(), []byte(tc.config))
			var ce *plugin.ConfigError
			if !errors.As(err, &ce) || ce.Attribute != tc.attribute {
				t.Errorf("%s: Configure = %v, want a ConfigError on %q", tc.config, err, tc.attribute)
			}
		}
	})
}

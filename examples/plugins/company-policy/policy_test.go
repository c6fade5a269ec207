package main_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

const testConfig = `{"allowed_domains": ["example.com", "Apps.Example.ORG"], "max_access_token_lifetime": 3600}`

// testPolicy is a generous profile policy: whatever it allows, the
// company policy still refuses what it must.
func testPolicy() sdk.Policy {
	return sdk.Policy{
		GrantTypes:         []string{"authorization_code", "refresh_token", "client_credentials", "implicit"},
		ResponseTypes:      []string{"code", "token"},
		AuthMethods:        []string{"client_secret_basic", "private_key_jwt", "none"},
		Scopes:             []string{"openid", "profile"},
		DefaultScope:       "openid",
		RedirectURIMode:    sdk.RedirectURIModeStandard,
		AllowHTTPRedirects: true, // so that https is the company's rule, not the profile's
		SigningAlgs:        []string{"RS256", "ES256"},
	}
}

func ptr[T any](v T) *T { return &v }

// request returns a registration the company accepts; edit changes it.
func request(edit func(*sdk.Metadata)) sdk.RegistrationContext {
	md := sdk.Metadata{
		RedirectURIs:            []string{"https://app.example.com/callback", "https://example.com/cb", "https://login.apps.example.org/cb"},
		TokenEndpointAuthMethod: "client_secret_basic",
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ClientName:              "Expense reports",
		Scope:                   "openid profile",
		AccessTokenLifetime:     ptr(int64(1800)),
	}
	if edit != nil {
		edit(&md)
	}
	return sdk.RegistrationContext{
		Operation: sdk.OperationCreate,
		Request:   md,
		Caller:    sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: "default"},
		Policy:    testPolicy(),
		Now:       time.Unix(1_700_000_000, 0),
	}
}

func TestCompanyPolicy(t *testing.T) {
	bin := plugintest.Build(t, ".")
	inst := plugintest.Start(t, bin, plugintest.WithConfig([]byte(testConfig)))
	v, err := inst.Validator()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		edit     func(*sdk.Metadata)
		wantErr  *sdk.Error // nil: accepted
		wantDesc string     // a part of the description
	}{
		{name: "accepted client"},
		{
			name: "accepted public client",
			edit: func(md *sdk.Metadata) { md.TokenEndpointAuthMethod = "none" },
		},
		{
			name: "accepted without lifetime",
			edit: func(md *sdk.Metadata) { md.AccessTokenLifetime = nil },
		},
		{
			name:     "http redirect",
			edit:     func(md *sdk.Metadata) { md.RedirectURIs = []string{"http://app.example.com/callback"} },
			wantErr:  sdk.ErrInvalidRedirectURI(),
			wantDesc: "redirect_uris[0]: must use https (company policy)",
		},
		{
			name: "foreign domain",
			edit: func(md *sdk.Metadata) {
				md.RedirectURIs = []string{"https://app.example.com/cb", "https://app.example.net/cb"}
			},
			wantErr:  sdk.ErrInvalidRedirectURI(),
			wantDesc: `redirect_uris[1]: host "app.example.net" is not in an allowed domain`,
		},
		{
			name:     "domain suffix is not a subdomain",
			edit:     func(md *sdk.Metadata) { md.RedirectURIs = []string{"https://evilexample.com/cb"} },
			wantErr:  sdk.ErrInvalidRedirectURI(),
			wantDesc: `redirect_uris[0]: host "evilexample.com"`,
		},
		{
			name: "client_credentials",
			edit: func(md *sdk.Metadata) {
				md.GrantTypes = []string{"client_credentials"}
				md.RedirectURIs = nil
			},
			wantErr:  sdk.ErrInvalidClientMetadata(),
			wantDesc: `grant_types: "client_credentials" is not allowed by company policy`,
		},
		{
			name: "implicit for a public client",
			edit: func(md *sdk.Metadata) {
				md.TokenEndpointAuthMethod = "none"
				md.GrantTypes = []string{"authorization_code", "implicit"}
				md.ResponseTypes = []string{"code", "token"}
			},
			wantErr:  sdk.ErrInvalidClientMetadata(),
			wantDesc: `grant_types: "implicit" is not allowed by company policy`,
		},
		{
			name:     "lifetime too long",
			edit:     func(md *sdk.Metadata) { md.AccessTokenLifetime = ptr(int64(3601)) },
			wantErr:  sdk.ErrInvalidClientMetadata(),
			wantDesc: "access_token_lifetime: must not exceed 3600 seconds (company policy)",
		},
		{
			name:     "base rule: fragment in redirect URI",
			edit:     func(md *sdk.Metadata) { md.RedirectURIs = []string{"https://app.example.com/cb#top"} },
			wantErr:  sdk.ErrInvalidRedirectURI(),
			wantDesc: "redirect_uris[0]: must not contain a fragment",
		},
		{
			name:     "base rule: negative lifetime",
			edit:     func(md *sdk.Metadata) { md.AccessTokenLifetime = ptr(int64(-5)) },
			wantErr:  sdk.ErrInvalidClientMetadata(),
			wantDesc: "access_token_lifetime: must be a positive number of seconds",
		},
		{
			name:     "base rule: unknown grant type",
			edit:     func(md *sdk.Metadata) { md.GrantTypes = []string{"authorization_code", "magic"} },
			wantErr:  sdk.ErrInvalidClientMetadata(),
			wantDesc: `grant_types: unknown grant type "magic"`,
		},
		{
			name:     "base rule: scope outside the profile",
			edit:     func(md *sdk.Metadata) { md.Scope = "openid admin" },
			wantErr:  sdk.ErrInvalidClientMetadata(),
			wantDesc: `scope: "admin" is not allowed`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := request(tc.edit)
			out, err := v.Validate(t.Context(), rc)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				// What the steps accepted, exactly as the built-in
				// validator would have accepted it.
				want, err := sdk.Run(t.Context(), sdk.DefaultSteps{}, rc)
				if err != nil {
					t.Fatalf("built-in validator: %v", err)
				}
				got, _ := out.Client.Metadata.MarshalJSON()
				exp, _ := want.Client.Metadata.MarshalJSON()
				if string(got) != string(exp) {
					t.Fatalf("accepted metadata\n got %s\nwant %s", got, exp)
				}
				return
			}
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate: got %v (%T), want %v", err, err, tc.wantErr)
			}
			if !errors.Is(err, tc.wantErr) || e.Status != http.StatusBadRequest {
				t.Fatalf("Validate: got %q (status %d), want code %s", e, e.Status, tc.wantErr.Code)
			}
			if !strings.Contains(e.Description, tc.wantDesc) {
				t.Fatalf("description %q does not contain %q", e.Description, tc.wantDesc)
			}
		})
	}

	t.Run("steps it does not redefine are the built-in ones", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			edit    func(*sdk.Metadata)
			wantErr *sdk.Error
		}{
			{"redirect URI with a fragment", func(md *sdk.Metadata) { md.RedirectURIs = []string{"https://app.example.com/cb#frag"} }, sdk.ErrInvalidRedirectURI()},
			{"scope outside the profile", func(md *sdk.Metadata) { md.Scope = "openid email" }, sdk.ErrInvalidClientMetadata()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rc := request(tc.edit)
				_, want := sdk.Run(t.Context(), sdk.DefaultSteps{}, rc)
				_, got := v.Validate(t.Context(), rc)
				if !errors.Is(got, tc.wantErr) || got.Error() != want.Error() {
					t.Fatalf("got %v, want the built-in step's %v", got, want)
				}
			})
		}
	})

	t.Run("config rejection names the attribute", func(t *testing.T) {
		fresh := plugintest.Start(t, bin) // not configured yet
		bad := []struct {
			name, config, attribute string
		}{
			{"not an object", `["example.com"]`, ""},
			{"missing allowed_domains", `{"max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"null allowed_domains", `{"allowed_domains": null, "max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"empty allowed_domains", `{"allowed_domains": [], "max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"domain is a URL", `{"allowed_domains": ["https://example.com"], "max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"wildcard domain", `{"allowed_domains": ["*.example.com"], "max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"IP address", `{"allowed_domains": ["192.0.2.1"], "max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"domains not strings", `{"allowed_domains": [1], "max_access_token_lifetime": 3600}`, "allowed_domains"},
			{"missing lifetime", `{"allowed_domains": ["example.com"]}`, "max_access_token_lifetime"},
			{"zero lifetime", `{"allowed_domains": ["example.com"], "max_access_token_lifetime": 0}`, "max_access_token_lifetime"},
			{"fractional lifetime", `{"allowed_domains": ["example.com"], "max_access_token_lifetime": 1.5}`, "max_access_token_lifetime"},
			{"lifetime as a string", `{"allowed_domains": ["example.com"], "max_access_token_lifetime": "1h"}`, "max_access_token_lifetime"},
			{"unknown attribute", `{"allowed_domains": ["example.com"], "max_access_token_lifetime": 60, "strict": true}`, "strict"},
		}
		for _, tc := range bad {
			err := fresh.Configure(t.Context(), []byte(tc.config))
			var ce *plugin.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%s: Configure = %v, want a *plugin.ConfigError", tc.name, err)
				continue
			}
			if ce.Attribute != tc.attribute || ce.Message == "" {
				t.Errorf("%s: ConfigError{Attribute: %q, Message: %q}, want attribute %q", tc.name, ce.Attribute, ce.Message, tc.attribute)
			}
		}

		// Not configured: a plain error, answered as server_error.
		_, err := mustValidator(t, fresh).Validate(t.Context(), request(nil))
		if err == nil {
			t.Fatal("an unconfigured plugin accepted a request")
		}
		if _, isOAuth := sdk.AsError(err); isOAuth {
			t.Fatalf("an unconfigured plugin answered an OAuth error: %v", err)
		}

		if err := fresh.Configure(t.Context(), []byte(testConfig)); err != nil {
			t.Fatalf("valid config: %v", err)
		}
		if _, err := mustValidator(t, fresh).Validate(t.Context(), request(nil)); err != nil {
			t.Fatalf("after Configure: %v", err)
		}
	})
}

func mustValidator(t *testing.T, inst *plugin.Instance) sdk.Validator {
	t.Helper()
	v, err := inst.Validator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

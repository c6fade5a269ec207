package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

const clientURI = "https://registrar.example/connect/dcr/c-123"

func regContext(op sdk.Operation) sdk.RegistrationContext {
	return sdk.RegistrationContext{
		Operation: op,
		Client: sdk.Client{
			ID: "c-123",
			Metadata: sdk.Metadata{
				RedirectURIs:            []string{"https://app.example.com/cb"},
				TokenEndpointAuthMethod: "client_secret_basic",
				GrantTypes:              []string{"authorization_code"},
				ClientName:              "Extra",
				Localized:               map[string]string{"client_name#fr": "Supplément"},
			},
			IssuedAt:              1_700_000_000,
			SecretHash:            sdk.HashToken("s3cret"),
			SecretExpiresAt:       0,
			RegistrationTokenHash: sdk.HashToken("rat"),
			Profile:               "partners",
		},
		Caller: sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: "partners"},
		Issued: sdk.Credentials{ClientSecret: "s3cret", RegistrationAccessToken: "rat"},
		Now:    time.Unix(1_700_000_000, 0),
	}
}

func TestExtraField(t *testing.T) {
	bin := plugintest.Build(t, ".")
	inst := plugintest.Start(t, bin, plugintest.WithConfig([]byte(`{"docs_url": "https://docs.example.com/dcr"}`)))
	g, err := inst.Response()
	if err != nil {
		t.Fatal(err)
	}
	const added = `"registrar_example":{"profile":"partners","docs":"https://docs.example.com/dcr"}`

	for _, tc := range []struct {
		op     sdk.Operation
		status int
	}{
		{sdk.OperationCreate, http.StatusCreated},
		{sdk.OperationRead, http.StatusOK},
		{sdk.OperationUpdate, http.StatusOK},
	} {
		t.Run(string(tc.op), func(t *testing.T) {
			rc := regContext(tc.op)
			want, err := sdk.DefaultResponseGenerator{}.Generate(t.Context(), rc, clientURI)
			if err != nil {
				t.Fatal(err)
			}
			got, err := g.Generate(t.Context(), rc, clientURI)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.status || got.Status != want.Status {
				t.Fatalf("status %d, want %d", got.Status, tc.status)
			}

			// The default body, byte for byte, with the member appended.
			exp := append(bytes.TrimSuffix(want.Body, []byte("}")), []byte(","+added+"}")...)
			if !bytes.Equal(got.Body, exp) {
				t.Fatalf("body\n got %s\nwant %s", got.Body, exp)
			}

			// Field present; standard members unchanged.
			var gotMembers, wantMembers map[string]json.RawMessage
			if err := json.Unmarshal(got.Body, &gotMembers); err != nil {
				t.Fatalf("not a JSON object: %v", err)
			}
			if err := json.Unmarshal(want.Body, &wantMembers); err != nil {
				t.Fatal(err)
			}
			var extra struct{ Profile, Docs string }
			if err := json.Unmarshal(gotMembers["registrar_example"], &extra); err != nil || extra.Profile != "partners" || extra.Docs != "https://docs.example.com/dcr" {
				t.Fatalf("registrar_example = %s (%v)", gotMembers["registrar_example"], err)
			}
			delete(gotMembers, "registrar_example")
			if !maps.EqualFunc(gotMembers, wantMembers, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
				t.Fatalf("standard members changed:\n got %s\nwant %s", got.Body, want.Body)
			}
			for _, m := range []string{"client_id", "client_id_issued_at", "registration_client_uri", "client_name#fr"} {
				if _, ok := gotMembers[m]; !ok {
					t.Errorf("member %s missing", m)
				}
			}
		})
	}

	t.Run("delete 204 unchanged", func(t *testing.T) {
		got, err := g.Generate(t.Context(), regContext(sdk.OperationDelete), clientURI)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != http.StatusNoContent || len(got.Body) != 0 {
			t.Fatalf("delete: %d %q, want 204 and no body", got.Status, got.Body)
		}
	})

	t.Run("client member of the same name is kept", func(t *testing.T) {
		rc := regContext(sdk.OperationRead)
		rc.Client.Metadata.Extensions = map[string]json.RawMessage{"registrar_example": json.RawMessage(`"mine"`)}
		want, _ := sdk.DefaultResponseGenerator{}.Generate(t.Context(), rc, clientURI)
		got, err := g.Generate(t.Context(), rc, clientURI)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Body, want.Body) {
			t.Fatalf("body\n got %s\nwant %s", got.Body, want.Body)
		}
	})

	t.Run("without docs_url", func(t *testing.T) {
		plain := plugintest.Start(t, bin, plugintest.WithConfig([]byte(`{}`)))
		pg, err := plain.Response()
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.Generate(t.Context(), regContext(sdk.OperationCreate), clientURI)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(got.Body, []byte(`,"registrar_example":{"profile":"partners"}}`)) {
			t.Fatalf("body %s", got.Body)
		}

		for _, tc := range []struct{ config, attribute string }{
			{`{"docs_url": "ftp://docs.example.com"}`, "docs_url"},
			{`{"docs_url": "/relative"}`, "docs_url"},
			{`{"docs_url": true}`, "docs_url"},
			{`{"docs": "https://docs.example.com"}`, "docs"},
		} {
			err := plain.Configure(t.Context(), []byte(tc.config))
			var ce *plugin.ConfigError
			if !errors.As(err, &ce) || ce.Attribute != tc.attribute {
				t.Errorf("%s: Configure = %v, want a ConfigError on %q", tc.config, err, tc.attribute)
			}
		}
	})
}

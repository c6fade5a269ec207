package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/internal/hydratest"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// tokenStatus asks Hydra for a client_credentials token (RFC 6749 §4.4).
func tokenStatus(t *testing.T, h *hydratest.Server, id, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.PublicURL+"/oauth2/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestThroughPlugin runs the plugin binary through go-plugin and the gRPC
// wire against the real Hydra: it serves the upstream kind, its health is
// Hydra's, a create's secret crosses the wire and gets a token, a rotation
// replaces it, List names the client, a refusal arrives as the same RFC
// 7591 error, and a delete makes Hydra refuse the credentials.
func TestThroughPlugin(t *testing.T) {
	h := hydratest.Start(t)
	bin := plugintest.Build(t, ".")
	cfg, _ := json.Marshal(map[string]any{"admin_url": h.AdminURL, "owner": "registrar-plugin"})
	inst := plugintest.Start(t, bin, plugintest.WithConfig(cfg))
	if !inst.Serves(plugin.KindUpstream) {
		t.Fatalf("the plugin serves %v, want %s", inst.Kinds(), plugin.KindUpstream)
	}
	u, err := inst.Upstream()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := inst.Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}
	m := sdk.Metadata{GrantTypes: []string{sdk.GrantClientCredentials}, TokenEndpointAuthMethod: sdk.AuthClientSecretBasic}
	p := sdk.Provision{Operation: sdk.OperationCreate, Client: sdk.Client{ID: "wire-client", Metadata: m, SecretHash: sdk.RedactedHash},
		ClientSecret: "wire-secret-0123456789abcdef", Revision: 1}
	if _, err := u.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if s := tokenStatus(t, h, "wire-client", "wire-secret-0123456789abcdef"); s != http.StatusOK {
		t.Fatalf("token with the provisioned secret: status %d", s)
	}
	p.Operation, p.ClientSecret, p.Revision = sdk.OperationUpdate, "wire-rotated-0123456789abcdef", 2
	if _, err := u.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	if s := tokenStatus(t, h, "wire-client", "wire-secret-0123456789abcdef"); s != http.StatusUnauthorized {
		t.Errorf("token with the old secret: status %d, want 401", s)
	}
	page, err := u.List(ctx, "")
	if err != nil || len(page.Clients) != 1 || page.Clients[0].ID != "wire-client" || page.Clients[0].Revision != 2 {
		t.Errorf("List: %+v, %v", page, err)
	}
	bad := p
	bad.Client.ID, bad.Operation = "wire-refused", sdk.OperationCreate
	bad.Client.Metadata.SubjectType = "pairwise"
	_, err = u.Create(ctx, bad)
	if e, ok := sdk.AsError(err); !ok || e.Code != sdk.CodeInvalidClientMetadata || !strings.HasPrefix(e.Description, "subject_type: ") {
		t.Errorf("Create of a refused client: %v, want invalid_client_metadata on subject_type", err)
	}
	if err := u.Delete(ctx, "wire-client"); err != nil {
		t.Fatal(err)
	}
	if s := tokenStatus(t, h, "wire-client", "wire-rotated-0123456789abcdef"); s != http.StatusUnauthorized {
		t.Errorf("token after delete: status %d, want 401", s)
	}
	if err := u.Delete(ctx, "wire-client"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
}

// TestConfigErrorThroughPlugin: a rejected attribute reaches the host as a
// *plugin.ConfigError naming it, without the admin token.
func TestConfigErrorThroughPlugin(t *testing.T) {
	inst := plugintest.Start(t, plugintest.Build(t, "."))
	for _, tc := range []struct{ config, attr string }{
		{`{}`, "admin_url"},
		{`{"admin_url": "http://hydra.internal:4445", "admin_token": "s3cr3t-token", "allow_insecure_http": true}`, "admin_token"},
		{`{"admin_url": "http://hydra.internal:4445"}`, "admin_url"},
		{`{"admin_url": "http://127.0.0.1:4445", "colour": "blue"}`, "colour"},
	} {
		err := inst.Configure(t.Context(), []byte(tc.config))
		var ce *plugin.ConfigError
		if !errors.As(err, &ce) || ce.Attribute != tc.attr {
			t.Errorf("Configure(%s): %v, want a ConfigError on %q", tc.config, err, tc.attr)
			continue
		}
		if strings.Contains(ce.Error(), "s3cr3t") {
			t.Errorf("Configure(%s): the error shows the token: %v", tc.config, ce)
		}
	}
}

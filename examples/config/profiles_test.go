package config_test

import (
	"testing"

	"github.com/registrar-dcr/registrar/server/config"
)

// TestProfilesHCL loads profiles.hcl with the server's configuration loader
// and checks the policy each of its profiles promises in its comments.
func TestProfilesHCL(t *testing.T) {
	// The ci profile's authority keys; any valid JWK Set will do here.
	t.Setenv("REGISTRAR_CI_JWKS", `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`)
	cfg, err := config.Load("profiles.hcl")
	if err != nil {
		t.Fatalf("load profiles.hcl:\n%s", config.FormatDiagnostics(err))
	}
	tests := []struct {
		profile     string
		anonymous   bool
		inferNative bool
	}{
		// MCP clients that send no application_type register as native
		// when their redirect URIs say so (issue 9 item 18).
		{profile: "mcp", anonymous: true, inferNative: true},
		{profile: "partners"},
		{profile: "ci"},
	}
	for _, tc := range tests {
		t.Run(tc.profile, func(t *testing.T) {
			p, ok := cfg.Profile(tc.profile)
			if !ok {
				t.Fatalf("no profile %q", tc.profile)
			}
			if p.Anonymous != tc.anonymous {
				t.Errorf("anonymous = %v, want %v", p.Anonymous, tc.anonymous)
			}
			if p.Policy.InferNativeApplicationType != tc.inferNative {
				t.Errorf("infer_native_application_type = %v, want %v", p.Policy.InferNativeApplicationType, tc.inferNative)
			}
		})
	}
}

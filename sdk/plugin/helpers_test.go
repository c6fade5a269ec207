package plugin_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// Binaries built once for the whole test run by TestMain.
var (
	testPlugin   string // ./internal/testplugin
	futurePlugin string // ./internal/futureplugin
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "registrar-plugin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testPlugin = filepath.Join(dir, "testplugin")
	futurePlugin = filepath.Join(dir, "futureplugin")
	for out, pkg := range map[string]string{testPlugin: "./internal/testplugin", futurePlugin: "./internal/futureplugin"} {
		if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", pkg, err, b)
			return 1
		}
	}
	return m.Run()
}

// start launches the test plugin with the given environment.
func start(t testing.TB, env ...string) *plugin.Instance {
	t.Helper()
	return plugintest.Start(t, testPlugin, plugintest.WithEnv(env...))
}

func ptr[T any](v T) *T { return &v }

// sampleMetadata is a request that the test plugin's Steps accept, with
// language-tagged names, extension members and a JWKS.
func sampleMetadata() sdk.Metadata {
	return sdk.Metadata{
		RedirectURIs:            []string{"https://app.example.com/callback"},
		TokenEndpointAuthMethod: "private_key_jwt",
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		ClientName:              "Example",
		ClientURI:               "https://app.example.com/",
		Scope:                   "openid profile",
		Contacts:                []string{"ops@example.com"},
		JWKS: json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",` +
			`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`),
		SoftwareID:      "4NRB1-0XZABZI9E6-5SM3R",
		SoftwareVersion: "2.1.0",
		DefaultMaxAge:   ptr(int64(0)),
		RequireAuthTime: ptr(false),
		Localized: map[string]string{
			"client_name#ja-Jpan-JP": "サンプル",
			"client_name#fr":         "Exemple",
		},
		Extensions: map[string]json.RawMessage{
			"x_tenant":  json.RawMessage(`"acme"`),
			"x_nested":  json.RawMessage(`{"b":[1,2,{"c":null}],"a":"zé"}`),
			"x_big_int": json.RawMessage(`9007199254740993`),
		},
	}
}

func samplePolicy() sdk.Policy {
	return sdk.Policy{
		GrantTypes:          []string{"authorization_code", "refresh_token", "client_credentials"},
		ResponseTypes:       []string{"code"},
		AuthMethods:         []string{"private_key_jwt", "client_secret_basic", "none"},
		Scopes:              []string{"openid", "profile", "email"},
		DefaultScope:        "openid",
		RedirectURIMode:     sdk.RedirectURIModeStandard,
		SigningAlgs:         []string{"ES256", "PS256", "RS256", "EdDSA"},
		KeepUnknownMetadata: true,
	}
}

func sampleContext() sdk.RegistrationContext {
	return sdk.RegistrationContext{
		Operation: sdk.OperationCreate,
		Request:   sampleMetadata(),
		Caller:    sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: "partners", TokenID: "iat-1"},
		Policy:    samplePolicy(),
		Items:     map[string]string{"trace": "abc"},
		Now:       time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
	}
}

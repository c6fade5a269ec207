package pipeline

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

// reportPrefix starts the items in which the test plugin, in mode
// "report", tells the credentials its validator received
// (testimpl.ReportPrefix; internal to sdk/plugin).
const reportPrefix = "testplugin.seen."

// recordingResponse is the default response generator that remembers the
// last context it received.
type recordingResponse struct {
	mu   sync.Mutex
	last sdk.RegistrationContext
}

func (r *recordingResponse) Generate(ctx context.Context, rc sdk.RegistrationContext, uri string) (sdk.Response, error) {
	r.mu.Lock()
	r.last = rc
	r.mu.Unlock()
	return sdk.DefaultResponseGenerator{}.Generate(ctx, rc, uri)
}

func (r *recordingResponse) context() sdk.RegistrationContext {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// allPolicy allows every known value, client_secret_jwt included.
func allPolicy() sdk.Policy {
	return sdk.Policy{
		GrantTypes:       sdk.KnownGrantTypes(),
		ResponseTypes:    sdk.KnownResponseTypes(),
		AuthMethods:      sdk.KnownAuthMethods(),
		Scopes:           []string{"openid", "profile"},
		DefaultScope:     "openid",
		RedirectURIMode:  sdk.RedirectURIModeStandard,
		SigningAlgs:      []string{"RS256", "ES256", "HS256"},
		SecretEncryption: true,
	}
}

// TestValidatorPluginSeesNoCredential registers and updates a client
// through the real pipeline with a validator plugin subprocess (go-plugin
// handshake, AutoMTLS, gRPC) that reports every credential it received:
// it must report none, neither on create nor on an update that keeps the
// registration access token (rotation "never"), where the pipeline used to
// hand validators the presented token. The answer still echoes that token
// and the response generator still knows the secret and its expiry.
func TestValidatorPluginSeesNoCredential(t *testing.T) {
	bin := plugintest.Build(t, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
	inst := plugintest.Start(t, bin, plugintest.WithEnv("TESTPLUGIN_KINDS=validator"),
		plugintest.WithConfig([]byte(`{"mode":"report"}`)))
	remote, err := inst.Validator()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := sdk.NewAESSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, rotation := range []string{sdk.RotateNever, sdk.RotateOnUpdate} {
		t.Run(rotation, func(t *testing.T) {
			policy := allPolicy()
			policy.TokenRotation = rotation
			policy.ClientSecretLifetime = 3600
			store := memory.New()
			resp := &recordingResponse{}
			p := &Pipeline{
				Auth: auth.New(auth.Options{Anonymous: "p"}),
				Profiles: map[string]*Profile{"p": {Name: "p", Policy: policy,
					Validators: []sdk.Validator{sdk.StepsValidator{Steps: sdk.DefaultSteps{}}, remote}}},
				Processor: sdk.DefaultProcessor{Sealer: sealer},
				Store:     store,
				Response:  resp,
				BaseURL:   "https://registrar.example.com",
			}
			body := `{"redirect_uris":["https://app.example.com/cb"],"client_name":"wire",
				"token_endpoint_auth_method":"client_secret_jwt","grant_types":["authorization_code"]}`
			created, err := p.Register(t.Context(), Request{Body: []byte(body)})
			if err != nil {
				t.Fatal(err)
			}
			var info struct {
				ClientID                string `json:"client_id"`
				ClientSecret            string `json:"client_secret"`
				ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at"`
				RegistrationAccessToken string `json:"registration_access_token"`
			}
			if err := json.Unmarshal(created.Body, &info); err != nil {
				t.Fatal(err)
			}
			if info.ClientSecret == "" || info.RegistrationAccessToken == "" || info.ClientSecretExpiresAt == nil {
				t.Fatalf("create answered without the credentials: %s", created.Body)
			}
			checkReport(t, "create", resp.context(), nil)
			stored, err := store.Get(t.Context(), info.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			secrets := []string{
				info.ClientSecret, info.RegistrationAccessToken,
				stored.SecretHash, stored.RegistrationTokenHash, hex.EncodeToString(stored.SecretSealed),
			}

			update := strings.Replace(body, `{`, `{"client_id":"`+info.ClientID+`",`, 1)
			updated, err := p.Update(t.Context(), Request{
				Authorization: "Bearer " + info.RegistrationAccessToken,
				ClientID:      info.ClientID,
				Body:          []byte(strings.Replace(update, `"wire"`, `"wire renamed"`, 1)),
			})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, "update", resp.context(), secrets)
			var after struct {
				ClientSecret            *string `json:"client_secret"`
				ClientSecretExpiresAt   *int64  `json:"client_secret_expires_at"`
				RegistrationAccessToken string  `json:"registration_access_token"`
			}
			if err := json.Unmarshal(updated.Body, &after); err != nil {
				t.Fatal(err)
			}
			if after.ClientSecret != nil || after.ClientSecretExpiresAt == nil || *after.ClientSecretExpiresAt != *info.ClientSecretExpiresAt {
				t.Errorf("update answer: client_secret %v, client_secret_expires_at %v; want none and %d", after.ClientSecret, after.ClientSecretExpiresAt, *info.ClientSecretExpiresAt)
			}
			rotated := after.RegistrationAccessToken != info.RegistrationAccessToken
			if after.RegistrationAccessToken == "" || rotated != (rotation != sdk.RotateNever) {
				t.Errorf("update answer: registration_access_token rotated %v under rotation %q", rotated, rotation)
			}
		})
	}
}

// checkReport fails for every credential the validator plugin reported
// (through the items that reach the response generator), and for any hash
// or sealed secret the response generator itself received. secrets are
// values that must appear nowhere in the report.
func checkReport(t *testing.T, op string, rc sdk.RegistrationContext, secrets []string) {
	t.Helper()
	n := 0
	for name, v := range rc.Items {
		if !strings.HasPrefix(name, reportPrefix) {
			continue
		}
		n++
		if v != "" && v != sdk.RedactedHash {
			t.Errorf("%s: the validator plugin saw %s = %q", op, strings.TrimPrefix(name, reportPrefix), v)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(v, s) {
				t.Errorf("%s: the validator plugin saw a live credential in %s", op, name)
			}
		}
	}
	want := 5 // issued (2) and client (3)
	if rc.Current != nil {
		want += 3
	}
	if n != want {
		t.Fatalf("%s: the validator plugin reported %d values, want %d: %v", op, n, want, rc.Items)
	}
	clients := []sdk.Client{rc.Client}
	if rc.Current != nil {
		clients = append(clients, *rc.Current)
	}
	for _, c := range clients {
		if (c.SecretHash != "" && c.SecretHash != sdk.RedactedHash) || c.SecretSealed != nil ||
			(c.RegistrationTokenHash != "" && c.RegistrationTokenHash != sdk.RedactedHash) {
			t.Errorf("%s: the response generator received a hash or a sealed secret", op)
		}
	}
	if !rc.Client.HasSecret() || rc.Client.SecretExpiresAt == 0 {
		t.Errorf("%s: the response generator cannot tell the client's secret and its expiry", op)
	}
}

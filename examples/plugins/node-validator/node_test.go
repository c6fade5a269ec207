// Package nodevalidator_test runs the Node validator plugin (index.mjs,
// started by run.sh) through the real go-plugin path, exactly as Registrar
// runs it: the wrapper's SHA-256 pinned, the handshake, gRPC, without
// automatic mutual TLS (the plugin does not implement it).
//
// It needs node (20 or later) in PATH and the npm packages installed:
//
//	npm ci --prefix examples/plugins/node-validator
package nodevalidator_test

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

const config = `{"blocked_words": ["admin", "root"]}`

// startTimeout is generous: node loads and compiles the .proto files at
// start, and a loaded CI machine is slow.
const startTimeout = 30 * time.Second

// wrapper returns the absolute path of run.sh and the plugin's environment
// (the server passes none of its own): a PATH that finds node. It fails the
// test when node or the npm packages are missing.
func wrapper(t *testing.T) (path string, env []string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed or not in PATH (the node-validator example needs Node 20 or later): %v", err)
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"@grpc/grpc-js", "@grpc/proto-loader", "protobufjs"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("the npm packages of node-validator are not installed (%s is missing): run `npm ci --prefix examples/plugins/node-validator` from the repository root (make test does it)", pkg)
		}
	}
	return filepath.Join(dir, "run.sh"), []string{"PATH=" + filepath.Dir(node) + ":/usr/bin:/bin"}
}

// accepted returns a context as the built-in "rfc" validator leaves it for
// the next validator of the chain: the request, and the metadata accepted
// so far.
func accepted(t *testing.T, md sdk.Metadata) sdk.RegistrationContext {
	t.Helper()
	rc := sdk.RegistrationContext{
		Operation: sdk.OperationCreate,
		Request:   md,
		Caller:    sdk.Caller{Method: sdk.AuthInitialAccessToken, Profile: "default"},
		Policy: sdk.Policy{
			GrantTypes:      []string{"authorization_code", "refresh_token"},
			ResponseTypes:   []string{"code"},
			AuthMethods:     []string{"client_secret_basic", "none"},
			Scopes:          []string{"openid", "profile"},
			DefaultScope:    "openid",
			RedirectURIMode: sdk.RedirectURIModeStandard,
			SigningAlgs:     []string{"ES256"},
		},
		Items: map[string]string{"from": "rfc"},
		Now:   time.Unix(1_700_000_000, 0),
	}
	out, err := sdk.Run(t.Context(), sdk.DefaultSteps{}, rc)
	if err != nil {
		t.Fatalf("the built-in validator refused the request: %v", err)
	}
	return out
}

func TestNodeValidator(t *testing.T) {
	runSh, env := wrapper(t)
	inst := plugintest.Start(t, runSh, // checksum of run.sh pinned by Start
		plugintest.WithoutMTLS(),
		plugintest.WithEnv(env...),
		plugintest.WithStartTimeout(startTimeout),
		plugintest.WithConfig([]byte(config)),
	)
	if got := inst.Kinds(); !slices.Equal(got, []string{plugin.KindValidator}) {
		t.Fatalf("Kinds() = %v", got)
	}
	if err := inst.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	v, err := inst.Validator()
	if err != nil {
		t.Fatal(err)
	}

	good := sdk.Metadata{
		RedirectURIs:            []string{"https://app.example.com/cb"},
		TokenEndpointAuthMethod: "none",
		ClientName:              "Photo album",
		Localized:               map[string]string{"client_name#fr": "Album photo"},
	}

	t.Run("good request passes", func(t *testing.T) {
		rc := accepted(t, good)
		out, err := v.Validate(t.Context(), rc)
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		got, _ := out.Client.Metadata.MarshalJSON()
		want, _ := rc.Client.Metadata.MarshalJSON()
		if string(got) != string(want) {
			t.Fatalf("the accepted metadata changed:\n got %s\nwant %s", got, want)
		}
		if out.Items["from"] != "rfc" {
			t.Fatalf("items = %v", out.Items)
		}
	})

	for _, tc := range []struct {
		name     string
		edit     func(*sdk.Metadata)
		wantDesc string
	}{
		{"blocked word", func(md *sdk.Metadata) { md.ClientName = "admin console" }, "client_name: contains a blocked word"},
		{"other case", func(md *sdk.Metadata) { md.ClientName = "Super Admin" }, "client_name: contains a blocked word"},
		{"full-width letters", func(md *sdk.Metadata) { md.ClientName = "ＲＯＯＴ shell" }, "client_name: contains a blocked word"},
		{"language-tagged name", func(md *sdk.Metadata) {
			md.Localized = map[string]string{"client_name#fr": "Outil administrateur"}
		}, "client_name#fr: contains a blocked word"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := good
			tc.edit(&md)
			_, err := v.Validate(t.Context(), accepted(t, md))
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate: got %v (%T), want an *sdk.Error", err, err)
			}
			if e.Code != sdk.CodeInvalidClientMetadata || e.Description != tc.wantDesc || e.Status != http.StatusBadRequest {
				t.Fatalf("got %q %q %d, want invalid_client_metadata %q 400", e.Code, e.Description, e.Status, tc.wantDesc)
			}
			if !errors.Is(err, sdk.ErrInvalidClientMetadata()) {
				t.Fatal("errors.Is(err, sdk.ErrInvalidClientMetadata) is false")
			}
		})
	}

	t.Run("alone in the chain", func(t *testing.T) {
		// Nothing accepted before it: a plain error (server_error), not an
		// empty registration.
		_, err := v.Validate(t.Context(), sdk.RegistrationContext{Operation: sdk.OperationCreate, Request: good})
		if err == nil {
			t.Fatal("accepted a request no validator had checked")
		}
		if _, isOAuth := sdk.AsError(err); isOAuth {
			t.Fatalf("got an OAuth error: %v", err)
		}
	})

	t.Run("shutdown", func(t *testing.T) {
		start := time.Now()
		inst.Kill()
		// go-plugin waits two seconds for a graceful exit before it kills
		// the process: a faster return means Shutdown worked.
		if d := time.Since(start); d >= 2*time.Second {
			t.Errorf("Kill took %v: the plugin did not exit on GRPCController.Shutdown", d)
		}
		if !inst.Exited() {
			t.Error("the plugin is still running")
		}
		if err := inst.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("Health after Kill: %v, want sdk.ErrUnavailable", err)
		}
	})
}

func TestNodeValidatorConfig(t *testing.T) {
	runSh, env := wrapper(t)
	inst, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
		Name:         "node-validator",
		Path:         runSh,
		SHA256:       plugintest.SHA256(t, runSh),
		DisableMTLS:  true,
		Env:          env,
		StartTimeout: startTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Kill)

	v, err := inst.Validator()
	if err != nil {
		t.Fatal(err)
	}
	good := sdk.Metadata{RedirectURIs: []string{"https://app.example.com/cb"}, ClientName: "admin"}
	if _, err := v.Validate(t.Context(), accepted(t, good)); err == nil {
		t.Fatal("an unconfigured plugin accepted a request")
	} else if _, isOAuth := sdk.AsError(err); isOAuth {
		t.Fatalf("an unconfigured plugin answered an OAuth error: %v", err)
	}

	for _, tc := range []struct{ name, config, attribute string }{
		{"not JSON", `{`, ""},
		{"not an object", `["admin"]`, ""},
		{"missing blocked_words", `{}`, "blocked_words"},
		{"empty list", `{"blocked_words": []}`, "blocked_words"},
		{"blank word", `{"blocked_words": ["admin", " "]}`, "blocked_words"},
		{"not strings", `{"blocked_words": [1]}`, "blocked_words"},
		{"unknown attribute", `{"blocked_words": ["admin"], "allowed_words": ["x"]}`, "allowed_words"},
	} {
		err := inst.Configure(t.Context(), []byte(tc.config))
		var ce *plugin.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: Configure = %v, want a *plugin.ConfigError", tc.name, err)
			continue
		}
		if ce.Attribute != tc.attribute || ce.Message == "" {
			t.Errorf("%s: ConfigError{Attribute: %q, Message: %q}, want attribute %q", tc.name, ce.Attribute, ce.Message, tc.attribute)
		}
	}

	if err := inst.Configure(t.Context(), []byte(config)); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if _, err := v.Validate(t.Context(), accepted(t, good)); !errors.Is(err, sdk.ErrInvalidClientMetadata()) {
		t.Fatalf("after Configure: %v", err)
	}
}

func TestNodeValidatorRefusesAutoMTLS(t *testing.T) {
	runSh, env := wrapper(t)
	inst, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
		Name:         "node-validator",
		Path:         runSh,
		SHA256:       plugintest.SHA256(t, runSh),
		Env:          env,
		StartTimeout: startTimeout,
		// DisableMTLS unset: the host asks for automatic mutual TLS.
	})
	if err == nil {
		inst.Kill()
		t.Fatal("the plugin started although it cannot do mutual TLS")
	}
}

func TestNodeValidatorNotRunByHand(t *testing.T) {
	runSh, env := wrapper(t)
	cmd := exec.Command(runSh)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("run by hand: %v, want exit status 1", err)
	}
	if !strings.Contains(string(out), "is a Registrar plugin") {
		t.Fatalf("run by hand: output %q", out)
	}
}

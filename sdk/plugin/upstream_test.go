package plugin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugin/internal/testimpl"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// upstreamTransports are the two ways an Upstream reaches the host in
// these tests: the test plugin's in-memory Upstream in a subprocess
// (go-plugin handshake, checksum, mTLS), and an in-process one served by
// plugintest.Serve. Both cross the same gRPC wire.
var upstreamTransports = map[string]func(t *testing.T, config string) (*plugin.Instance, sdk.Upstream){
	"subprocess": func(t *testing.T, config string) (*plugin.Instance, sdk.Upstream) {
		inst := plugintest.Start(t, testPlugin, plugintest.WithEnv("TESTPLUGIN_KINDS=upstream"),
			plugintest.WithConfig([]byte(config)))
		return inst, upstreamOf(t, inst)
	},
	"in-process": func(t *testing.T, config string) (*plugin.Instance, sdk.Upstream) {
		inst := plugintest.Serve(t, &plugin.ServeConfig{Upstream: &testimpl.Upstream{}, Configure: testimpl.Configure})
		if err := inst.Configure(t.Context(), []byte(config)); err != nil {
			t.Fatal(err)
		}
		return inst, upstreamOf(t, inst)
	},
}

func upstreamOf(t *testing.T, inst *plugin.Instance) sdk.Upstream {
	t.Helper()
	up, err := inst.Upstream()
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// provision is a create of a confidential client whose request issued
// secret.
func provision(id, name, secret string) sdk.Provision {
	c := sdk.Client{ID: id, IssuedAt: 1700000000, Profile: "default", Revision: 1,
		Metadata: sampleMetadata()}
	c.Metadata.ClientName = name
	if secret != "" {
		c.SecretHash = sdk.HashToken(secret)
		c.SecretExpiresAt = 1800000000
	}
	return sdk.Provision{Operation: sdk.OperationCreate, Client: c, ClientSecret: secret, Revision: 1}
}

// TestUpstreamOverWire drives the whole Upstream kind through the plugin
// wire: create, update, paged List, delete, and the outcomes a pipeline
// acts on (refusal, not found, unavailable), each as itself.
func TestUpstreamOverWire(t *testing.T) {
	t.Parallel()
	for name, transport := range upstreamTransports {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inst, up := transport(t, `{}`)
			if got := inst.Kinds(); !slices.Equal(got, []string{plugin.KindUpstream}) {
				t.Fatalf("Kinds() = %v", got)
			}
			if _, err := inst.Validator(); !errors.Is(err, plugin.ErrNotServed) {
				t.Fatalf("Validator() of an upstream plugin: %v", err)
			}
			ctx := t.Context()
			for _, id := range []string{"c1", "c2", "c3"} {
				got, err := up.Create(ctx, provision(id, "App", "secret-of-"+id))
				if err != nil {
					t.Fatalf("Create %s: %v", id, err)
				}
				if got != (sdk.Provisioned{}) {
					t.Fatalf("Create %s assigned %v, want Registrar's values kept", id, got)
				}
			}
			if _, err := up.Create(ctx, provision("c1", "App", "x")); !errors.Is(err, sdk.ErrAlreadyExists) {
				t.Fatalf("duplicate Create: %v", err)
			}
			upd := provision("c2", "App v2", "")
			upd.Operation, upd.Revision = sdk.OperationUpdate, 2
			if _, err := up.Update(ctx, upd); err != nil {
				t.Fatalf("Update: %v", err)
			}
			missing := provision("nope", "App", "")
			missing.Operation = sdk.OperationUpdate
			if _, err := up.Update(ctx, missing); !errors.Is(err, sdk.ErrNotFound) {
				t.Fatalf("Update of an unknown client: %v", err)
			}

			var listed []sdk.UpstreamClient
			token, pages := "", 0
			for {
				page, err := up.List(ctx, token)
				if err != nil {
					t.Fatalf("List(%q): %v", token, err)
				}
				listed, token, pages = append(listed, page.Clients...), page.Next, pages+1
				if token == "" {
					break
				}
			}
			want := []sdk.UpstreamClient{{ID: "c1", Revision: 1, CreatedAt: 1700000000},
				{ID: "c2", Revision: 2, CreatedAt: 1700000000}, {ID: "c3", Revision: 1, CreatedAt: 1700000000}}
			if pages != 2 || !slices.Equal(listed, want) {
				t.Fatalf("List: %d pages %v, want 2 pages %v", pages, listed, want)
			}
			if _, err := up.List(ctx, "not-a-token"); !isSDKError(err, sdk.ErrInvalidRequest().Code, 400) {
				t.Fatalf("List with a bad token: %v", err)
			}

			if err := up.Delete(ctx, "c1"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := up.Delete(ctx, "c1"); !errors.Is(err, sdk.ErrNotFound) {
				t.Fatalf("second Delete: %v", err)
			}
			if page, err := up.List(ctx, ""); err != nil || len(page.Clients) != 2 || page.Next != "" {
				t.Fatalf("List after Delete: %v %v", page, err)
			}
			if err := up.Health(ctx); err != nil {
				t.Fatalf("Health: %v", err)
			}

			// The outcomes the pipeline tells apart.
			refusal := sdk.ErrInvalidRedirectURI().WithDescription("client_name: refused by the authorization server")
			_, err := up.Create(ctx, provision("r1", testimpl.ErrorClientNamePrefix+"invalid_redirect_uri", "s"))
			requireSameError(t, refusal, err)
			if _, err := up.Create(ctx, provision("r2", testimpl.ErrorClientNamePrefix+"unavailable", "s")); !errors.Is(err, sdk.ErrUnavailable) {
				t.Fatalf("unavailable: %v", err)
			}
			if _, err := up.Create(ctx, provision("r3", testimpl.ErrorClientNamePrefix+"plain", "s")); err == nil ||
				errors.Is(err, sdk.ErrUnavailable) || errors.Is(err, sdk.ErrNotFound) {
				t.Fatalf("plain error: %v", err)
			} else if _, ok := sdk.AsError(err); ok {
				t.Fatalf("a plain error became an *sdk.Error: %v", err)
			}
		})
	}
}

func isSDKError(err error, code string, status int) bool {
	e, ok := sdk.AsError(err)
	return ok && e.Code == code && e.Status == status
}

// TestUpstreamSecretCrossesTheWire: the client secret of the request
// reaches the upstream plugin, and a secret and client_id the upstream
// assigns come back (mode "assign" derives them from what it received).
// The client itself crosses without its hashes.
func TestUpstreamSecretCrossesTheWire(t *testing.T) {
	t.Parallel()
	impl := &testimpl.Upstream{}
	up := plugintest.ServeUpstream(t, impl)
	p := provision("c1", "App", "the-plain-secret")
	p.Client.RegistrationTokenHash = sdk.HashToken("the-token")
	p.Client.SecretSealed = []byte("sealed")
	if _, err := up.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if got, ok := impl.Secret("c1"); !ok || got != "the-plain-secret" {
		t.Fatalf("the upstream holds secret %q (%v), want the request's", got, ok)
	}
	// An update without a new secret keeps the upstream's, one that
	// removes the secret removes it.
	keep := p
	keep.Operation, keep.ClientSecret, keep.Revision = sdk.OperationUpdate, "", 2
	if _, err := up.Update(t.Context(), keep); err != nil {
		t.Fatal(err)
	}
	if got, _ := impl.Secret("c1"); got != "the-plain-secret" {
		t.Fatalf("after an update keeping the secret: %q", got)
	}
	drop := keep
	drop.Client.SecretHash = ""
	if _, err := up.Update(t.Context(), drop); err != nil {
		t.Fatal(err)
	}
	if got, _ := impl.Secret("c1"); got != "" {
		t.Fatalf("after an update removing the secret: %q", got)
	}

	inst := plugintest.Start(t, testPlugin, plugintest.WithEnv("TESTPLUGIN_KINDS=upstream"),
		plugintest.WithConfig([]byte(`{"upstream":"assign"}`)))
	assigned, err := upstreamOf(t, inst).Create(t.Context(), provision("c1", "App", "the-plain-secret"))
	if err != nil {
		t.Fatal(err)
	}
	want := sdk.Provisioned{ClientID: testimpl.AssignedID("c1"), ClientSecret: testimpl.AssignedSecret("the-plain-secret")}
	if assigned != want {
		t.Fatalf("Create answered %v (secret %q), want %v (secret %q)", assigned, assigned.ClientSecret, want, want.ClientSecret)
	}
	pub, err := upstreamOf(t, inst).Create(t.Context(), provision("pub", "App", ""))
	if err != nil || pub != (sdk.Provisioned{ClientID: testimpl.AssignedID("pub")}) {
		t.Fatalf("Create of a client without secret answered %v, %v", pub, err)
	}
}

// TestUpstreamHealth: an authorization server that is down fails the
// kind's Health and the plugin's (as a store's database does), each
// matching sdk.ErrUnavailable, and every call answers ErrUnavailable.
func TestUpstreamHealth(t *testing.T) {
	t.Parallel()
	for name, transport := range upstreamTransports {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inst, up := transport(t, `{"upstream":"down"}`)
			if err := up.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
				t.Fatalf("Upstream.Health: %v", err)
			}
			if err := inst.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
				t.Fatalf("plugin Health: %v", err)
			}
			if _, err := up.Create(t.Context(), provision("c1", "App", "s")); !errors.Is(err, sdk.ErrUnavailable) {
				t.Fatalf("Create: %v", err)
			}
			if _, err := up.List(t.Context(), ""); !errors.Is(err, sdk.ErrUnavailable) {
				t.Fatalf("List: %v", err)
			}
			if err := inst.Configure(t.Context(), []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			if err := up.Health(t.Context()); err != nil {
				t.Fatalf("Upstream.Health once up: %v", err)
			}
			if err := inst.Health(t.Context()); err != nil {
				t.Fatalf("plugin Health once up: %v", err)
			}
		})
	}
}

// TestUpstreamPluginGone: a call to an upstream plugin that crashed in the
// call, or that was killed, answers sdk.ErrUnavailable (a 503, never a
// refusal).
func TestUpstreamPluginGone(t *testing.T) {
	t.Parallel()
	inst, up := upstreamTransports["subprocess"](t, `{}`)
	if _, err := up.Create(t.Context(), provision("c1", testimpl.CrashClientName, "s")); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Create that crashes the plugin: %v", err)
	}
	eventually(t, "Exited()", inst.Exited)
	if err := up.Delete(t.Context(), "c1"); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Delete after the crash: %v", err)
	}

	inst, up = upstreamTransports["in-process"](t, `{}`)
	inst.Kill()
	if !inst.Exited() {
		t.Fatal("Exited() after Kill is false")
	}
	if _, err := up.List(t.Context(), ""); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("List after Kill: %v", err)
	}
}

// TestUpstreamSecretNeverLogged runs every Upstream call, failures and a
// crash included, through the test plugin with the host's log and the
// plugin's (debug lines that print each sdk.Provision with %v, %#v and as
// a JSON value) captured at trace level: neither the secret Registrar
// issued nor the one the upstream assigned appears in any line.
func TestUpstreamSecretNeverLogged(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := hclog.New(&hclog.LoggerOptions{Name: "host", Level: hclog.Trace, Output: &buf})
	const secret = "s3cr3t-that-must-not-be-logged"
	for _, config := range []string{`{}`, `{"upstream":"assign"}`} {
		inst := plugintest.Start(t, testPlugin, plugintest.WithEnv("TESTPLUGIN_KINDS=upstream"),
			plugintest.WithConfig([]byte(config)), plugintest.WithLogger(logger))
		up := upstreamOf(t, inst)
		ctx := t.Context()
		_, _ = up.Create(ctx, provision("c1", "App", secret))
		upd := provision("c1", "App", secret)
		upd.Operation = sdk.OperationUpdate
		_, _ = up.Update(ctx, upd)
		_, _ = up.Update(ctx, provision(testimpl.AssignedID("c1"), "App", secret))
		_, _ = up.Create(ctx, provision("c2", testimpl.ErrorClientNamePrefix+"invalid_client_metadata", secret))
		_, _ = up.Create(ctx, provision("c3", testimpl.ErrorClientNamePrefix+"plain", secret))
		_, _ = up.Create(ctx, provision("c4", testimpl.ErrorClientNamePrefix+"unavailable", secret))
		_, _ = up.List(ctx, "")
		_ = up.Delete(ctx, "c1")
		_, _ = up.Create(ctx, provision("c5", testimpl.CrashClientName, secret))
		eventually(t, "Exited()", inst.Exited)
	}
	out := buf.String()
	if !strings.Contains(out, "upstream call") || !strings.Contains(out, "REDACTED") {
		t.Fatalf("the plugin's debug lines were not captured:\n%s", out)
	}
	for _, s := range []string{secret, testimpl.AssignedSecret(secret)} {
		if strings.Contains(out, s) {
			t.Errorf("a log line holds the secret %q:\n%s", s, out)
		}
	}
}

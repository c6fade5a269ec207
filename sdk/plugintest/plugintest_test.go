package plugintest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

func TestBuildAndStart(t *testing.T) {
	bin := plugintest.Build(t, "../plugin/internal/testplugin")
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("Build returned %s: %v", bin, err)
	}
	if sum := plugintest.SHA256(t, bin); len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		t.Fatalf("SHA256 = %q", sum)
	}

	inst := plugintest.Start(t, bin,
		plugintest.WithConfig([]byte(`{"client_id_prefix":"pt-"}`)),
		plugintest.WithEnv("TESTPLUGIN_KINDS=processor,store"),
	)
	if got := inst.Kinds(); !slices.Equal(got, []string{plugin.KindProcessor, plugin.KindStore, plugin.KindTokenStore, plugin.KindJTIStore}) {
		t.Fatalf("Kinds() = %v", got)
	}
	p, err := inst.Processor()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := p.Process(t.Context(), sdk.RegistrationContext{Operation: sdk.OperationCreate})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rc.Client.ID, "pt-") {
		t.Fatalf("client id %q: the configuration did not reach the plugin", rc.Client.ID)
	}
	if err := inst.Health(t.Context()); err != nil {
		t.Fatal(err)
	}

	dev := plugintest.Start(t, bin, plugintest.WithDevMode(), plugintest.WithoutMTLS())
	if err := dev.Health(t.Context()); err != nil {
		t.Fatalf("dev mode without mTLS: %v", err)
	}
}

// recordingUpstream remembers the last provision it received.
type recordingUpstream struct {
	last sdk.Provision
}

func (u *recordingUpstream) Create(_ context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	u.last = p
	return sdk.Provisioned{ClientID: "assigned-" + p.Client.ID}, nil
}

func (u *recordingUpstream) Update(_ context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	return sdk.Provisioned{}, fmt.Errorf("client %q: %w", p.Client.ID, sdk.ErrNotFound)
}

func (u *recordingUpstream) Delete(context.Context, string) error {
	return sdk.ErrInvalidClientMetadata().WithDescription("client_id: refused")
}

func (u *recordingUpstream) List(_ context.Context, token string) (sdk.UpstreamPage, error) {
	return sdk.UpstreamPage{Next: token + "+"}, nil
}

func (u *recordingUpstream) Health(context.Context) error { return sdk.ErrUnavailable }

// TestServeUpstream: an in-process Upstream served by ServeUpstream is
// reached over the gRPC wire: the client crosses without its hashes, the
// secret and the answers cross, and errors arrive as themselves.
func TestServeUpstream(t *testing.T) {
	impl := &recordingUpstream{}
	up := plugintest.ServeUpstream(t, impl)
	p := sdk.Provision{Operation: sdk.OperationCreate, ClientSecret: "plain", Revision: 1,
		Client: sdk.Client{ID: "c1", SecretHash: sdk.HashToken("plain"), RegistrationTokenHash: sdk.HashToken("rat")}}
	got, err := up.Create(t.Context(), p)
	if err != nil || got.ClientID != "assigned-c1" {
		t.Fatalf("Create = %v, %v", got, err)
	}
	if impl.last.ClientSecret != "plain" || impl.last.Client.SecretHash != sdk.RedactedHash ||
		impl.last.Client.RegistrationTokenHash != sdk.RedactedHash {
		t.Fatalf("the upstream received %#v with hashes %q %q", impl.last, impl.last.Client.SecretHash, impl.last.Client.RegistrationTokenHash)
	}
	if _, err := up.Update(t.Context(), p); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Update: %v", err)
	}
	if e, ok := sdk.AsError(up.Delete(t.Context(), "c1")); !ok || e.Code != "invalid_client_metadata" || e.Description != "client_id: refused" {
		t.Errorf("Delete: %v", e)
	}
	if page, err := up.List(t.Context(), "t"); err != nil || page.Next != "t+" {
		t.Errorf("List = %v, %v", page, err)
	}
	if err := up.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Health: %v", err)
	}
}

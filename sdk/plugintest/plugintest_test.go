package plugintest_test

import (
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

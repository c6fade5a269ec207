package pluginhost

import (
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/sdk/storetest"
	"github.com/registrar-dcr/registrar/server/config"
)

// startStorePlugin starts the SDK's test plugin as a store plugin named
// "st" with env, and stops it when t ends.
func startStorePlugin(t *testing.T, path string, env ...string) *Host {
	t.Helper()
	h, err := Start(t.Context(), []config.Plugin{{
		Name:         "st",
		Path:         path,
		SHA256:       plugintest.SHA256(t, path),
		Env:          append([]string{"TESTPLUGIN_KINDS=store"}, env...),
		Timeout:      10 * time.Second,
		StartTimeout: 10 * time.Second,
		Config:       []byte("{}"),
	}}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestStoreShimsConformance runs the whole conformance suite through the
// host's store shims (supervisor, deadline, restart) and the real plugin
// wire, one plugin process per case.
func TestStoreShimsConformance(t *testing.T) {
	path := plugintest.Build(t, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
	storetest.Run(t, func(t *testing.T) sdk.Store {
		s, err := startStorePlugin(t, path).Store("st")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestClientsOnlyStorePlugin: a store plugin that keeps clients alone gives
// the host a client store that passes the clients part of the suite, and
// no token store, jti store or whole store: the server must take those from
// another store.
func TestClientsOnlyStorePlugin(t *testing.T) {
	path := plugintest.Build(t, "github.com/registrar-dcr/registrar/sdk/plugin/internal/testplugin")
	h := startStorePlugin(t, path, "TESTPLUGIN_STORE=clients")
	_, errStore := h.Store("st")
	_, errTokens := h.TokenStore("st")
	_, errJTI := h.JTIStore("st")
	for name, err := range map[string]error{"Store": errStore, "TokenStore": errTokens, "JTIStore": errJTI} {
		if err == nil {
			t.Errorf("%s(st) of a clients-only plugin: no error", name)
		}
	}
	storetest.RunClients(t, func(t *testing.T) sdk.ClientStore {
		s, err := startStorePlugin(t, path, "TESTPLUGIN_STORE=clients").ClientStore("st")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestStoreKindOfAPluginDown: while a store plugin is not running (an
// optional plugin that did not start) the host cannot know what it serves:
// it hands out the shims, and a call of a kind the plugin turns out not to
// serve fails with plugin.ErrNotServed rather than a store sentinel.
func TestStoreKindOfAPluginDown(t *testing.T) {
	s := newSupervisor(config.Plugin{Name: "fake", Timeout: time.Second, StartTimeout: time.Second}, hclog.NewNullLogger())
	s.inst = &clientsOnlyInstance{}
	h := &Host{log: hclog.NewNullLogger(), plugins: map[string]*supervisor{"fake": s}}
	if _, err := h.TokenStore("fake"); err == nil {
		t.Fatal("TokenStore of a running clients-only plugin: no error")
	}
	s.inst = nil
	s.retryAt = time.Now().Add(time.Hour) // down, in backoff
	tokens, err := h.TokenStore("fake")
	if err != nil {
		t.Fatalf("TokenStore of a plugin that is down: %v", err)
	}
	if _, err := tokens.GetToken(t.Context(), "hash"); errors.Is(err, sdk.ErrNotFound) || !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("GetToken while the plugin is down: %v, want ErrUnavailable", err)
	}
}

// clientsOnlyInstance is a running fake that serves the store kind alone.
type clientsOnlyInstance struct{ fakeInstance }

func (*clientsOnlyInstance) Serves(kind string) bool { return kind == "store" }
func (*clientsOnlyInstance) Kinds() []string         { return []string{"store"} }

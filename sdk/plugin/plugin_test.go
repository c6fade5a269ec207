package plugin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
	"github.com/registrar-dcr/registrar/sdk/plugin/internal/testimpl"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/sdk/storetest"
)

func validator(t *testing.T, in *plugin.Instance) sdk.Validator {
	t.Helper()
	v, err := in.Validator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func requireEqual(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		t.Fatalf("%s differs\nwant %s\n got %s", what, wj, gj)
	}
}

// TestValidateMatchesInProcess runs the same Steps in-process and in the
// plugin: the results must be identical, metadata included.
func TestValidateMatchesInProcess(t *testing.T) {
	t.Parallel()
	inst := start(t)
	rc := sampleContext()
	want, err := sdk.Run(t.Context(), testimpl.Steps{}, rc)
	if err != nil {
		t.Fatalf("in-process: %v", err)
	}
	got, err := validator(t, inst).Validate(t.Context(), rc)
	if err != nil {
		t.Fatalf("plugin: %v", err)
	}
	requireEqual(t, "validated context", want, got)
	md := got.Client.Metadata
	if md.Localized["client_name#ja-Jpan-JP"] != "サンプル" || string(md.Extensions["x_big_int"]) != "9007199254740993" ||
		string(md.JWKS) != string(rc.Request.JWKS) {
		t.Fatalf("metadata lost a member: %+v", md)
	}
	requireEqual(t, "request", rc.Request, got.Request)
}

func TestValidateRefusal(t *testing.T) {
	t.Parallel()
	inst := start(t)
	rc := sampleContext()
	rc.Request.RedirectURIs = []string{"https://app.example.com/cb", "https://evil.example/cb"}
	_, err := validator(t, inst).Validate(t.Context(), rc)
	var e *sdk.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *sdk.Error", err, err)
	}
	if e.Code != sdk.CodeInvalidRedirectURI || e.Description != "redirect_uris[1]: host evil.example is not allowed" || e.Status != 400 {
		t.Fatalf("got %+v", e)
	}
	if !errors.Is(err, sdk.ErrInvalidRedirectURI()) {
		t.Fatal("errors.Is(err, ErrInvalidRedirectURI) is false")
	}
	// A refusal of the embedded DefaultSteps crosses the same way.
	rc.Request.RedirectURIs = []string{"https://app.example.com/cb#frag"}
	_, err = validator(t, inst).Validate(t.Context(), rc)
	_, wantErr := sdk.Run(t.Context(), testimpl.Steps{}, rc)
	requireSameError(t, wantErr, err)
}

func requireSameError(t *testing.T, want, got error) {
	t.Helper()
	w, ok1 := sdk.AsError(want)
	g, ok2 := sdk.AsError(got)
	if !ok1 || !ok2 || w.Code != g.Code || w.Description != g.Description || w.Status != g.Status {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestPlainValidator: a plugin serving a Validator (not Steps) serves the
// same validator kind, and the same Validate.
func TestPlainValidator(t *testing.T) {
	t.Parallel()
	inst := start(t, "TESTPLUGIN_VALIDATOR=plain")
	if got := inst.Kinds(); !slices.Contains(got, plugin.KindValidator) {
		t.Fatalf("Kinds() = %v", got)
	}
	rc := sampleContext()
	want, err := sdk.Run(t.Context(), testimpl.Steps{}, rc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := validator(t, inst).Validate(t.Context(), rc)
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, "validated context", want, got)
}

func TestKindsNotServed(t *testing.T) {
	t.Parallel()
	inst := start(t, "TESTPLUGIN_KINDS=processor")
	if got := inst.Kinds(); !reflect.DeepEqual(got, []string{plugin.KindProcessor}) {
		t.Fatalf("Kinds() = %v", got)
	}
	if _, err := inst.Processor(); err != nil {
		t.Fatal(err)
	}
	_, errV := inst.Validator()
	_, errS := inst.Store()
	_, errR := inst.Response()
	for _, err := range []error{errV, errS, errR} {
		if !errors.Is(err, plugin.ErrNotServed) {
			t.Errorf("got %v, want ErrNotServed", err)
		}
	}
}

func TestProcessPreservesMetadata(t *testing.T) {
	t.Parallel()
	inst := plugintest.Start(t, testPlugin, plugintest.WithConfig([]byte(`{"client_id_prefix":"acme-"}`)))
	p, err := inst.Processor()
	if err != nil {
		t.Fatal(err)
	}
	rc := sampleContext()
	rc.Client.Metadata = sampleMetadata()
	rc.Client.Metadata.TokenEndpointAuthMethod = "client_secret_basic"
	rc.Client.Metadata.JWKS = nil
	got, err := p.Process(t.Context(), rc)
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, "metadata", rc.Client.Metadata, got.Client.Metadata)
	if !strings.HasPrefix(got.Client.ID, "acme-") {
		t.Errorf("client id %q lacks the configured prefix", got.Client.ID)
	}
	if got.Client.IssuedAt != rc.Now.Unix() || got.Client.Profile != "partners" {
		t.Errorf("client %+v", got.Client)
	}
	if !sdk.TokenMatches(got.Issued.RegistrationAccessToken, got.Client.RegistrationTokenHash) ||
		!sdk.TokenMatches(got.Issued.ClientSecret, got.Client.SecretHash) {
		t.Errorf("issued credentials do not match the hashes")
	}
	requireEqual(t, "items", rc.Items, got.Items)
}

func TestGeneratePreservesMetadata(t *testing.T) {
	t.Parallel()
	inst := start(t)
	r, err := inst.Response()
	if err != nil {
		t.Fatal(err)
	}
	rc := sampleContext()
	rc.Client = sdk.Client{ID: "c1", Metadata: sampleMetadata(), IssuedAt: 1700000000, RegistrationTokenHash: sdk.HashToken("t")}
	rc.Issued = sdk.Credentials{RegistrationAccessToken: "t"}
	const uri = "https://registrar.example.com/connect/dcr/c1"
	got, err := r.Generate(t.Context(), rc, uri)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sdk.DefaultResponseGenerator{}.Generate(t.Context(), rc, uri)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != 201 || !bytes.Equal(got.Body, append([]byte(`{"x_plugin":"testplugin",`), want.Body[1:]...)) {
		t.Fatalf("got %d %s\nwant the default body with x_plugin: %s", got.Status, got.Body, want.Body)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(got.Body, &members); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"client_name#ja-Jpan-JP":    `"サンプル"`,
		"x_big_int":                 `9007199254740993`,
		"x_nested":                  `{"b":[1,2,{"c":null}],"a":"zé"}`,
		"registration_access_token": `"t"`,
	} {
		if string(members[name]) != want {
			t.Errorf("member %s = %s, want %s", name, members[name], want)
		}
	}

	rc.Operation = sdk.OperationDelete
	got, err = r.Generate(t.Context(), rc, uri)
	if err != nil || got.Status != 204 || len(got.Body) != 0 {
		t.Fatalf("delete: got %d %q %v", got.Status, got.Body, err)
	}
}

// TestErrorsCrossTheWire has the plugin return every sdk error prototype,
// each store sentinel, a plain error and a panic.
func TestErrorsCrossTheWire(t *testing.T) {
	t.Parallel()
	inst := start(t, "TESTPLUGIN_KINDS=processor")
	p, err := inst.Processor()
	if err != nil {
		t.Fatal(err)
	}
	call := func(code, desc string) error {
		rc := sampleContext()
		rc.Items = map[string]string{testimpl.ItemError: code, testimpl.ItemDescription: desc}
		_, err := p.Process(t.Context(), rc)
		return err
	}
	if len(testimpl.Prototypes) < 11 {
		t.Fatalf("only %d prototypes", len(testimpl.Prototypes))
	}
	for code, proto := range testimpl.Prototypes {
		desc := fmt.Sprintf("redirect_uris[0]: refused by %s <é>", code)
		err := call(code, desc)
		want := proto.WithDescription("%s", desc)
		requireSameError(t, want, err)
		if !errors.Is(err, proto) {
			t.Errorf("%s: errors.Is is false", code)
		}
		if strings.Contains(err.Error(), "internal cause") || strings.Contains(err.Error(), "testplugin:") {
			t.Errorf("%s: the cause or wrapping crossed the wire: %v", code, err)
		}
	}
	for code, sentinel := range map[string]error{
		"not_found": sdk.ErrNotFound, "already_exists": sdk.ErrAlreadyExists,
		"conflict": sdk.ErrConflict, "unavailable": sdk.ErrUnavailable,
	} {
		err := call(code, "")
		if !errors.Is(err, sentinel) {
			t.Errorf("%s: got %v, want errors.Is %v", code, err, sentinel)
		}
		if _, ok := sdk.AsError(err); ok {
			t.Errorf("%s: became an OAuth error: %v", code, err)
		}
	}
	for _, code := range []string{"plain", "panic"} {
		err := call(code, "")
		if err == nil {
			t.Fatalf("%s: no error", code)
		}
		if _, ok := sdk.AsError(err); ok {
			t.Errorf("%s: became an OAuth error: %v", code, err)
		}
		if errors.Is(err, sdk.ErrUnavailable) || errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("%s: matches a sentinel: %v", code, err)
		}
	}
	// The panic did not take the plugin down.
	if err := inst.Health(t.Context()); err != nil {
		t.Fatalf("Health after a panic: %v", err)
	}
}

func TestStoreSentinels(t *testing.T) {
	t.Parallel()
	inst := start(t, "TESTPLUGIN_KINDS=store")
	s, err := inst.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := s.Get(ctx, "missing"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Get missing: %v", err)
	}
	c, err := s.Create(ctx, storetest.SampleClient("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, storetest.SampleClient("c1")); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Errorf("Create duplicate: %v", err)
	}
	stale := c
	stale.Revision = 7
	if _, err := s.Update(ctx, stale); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Update stale: %v", err)
	}
	if err := s.Delete(ctx, c.ID, 7); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Delete stale: %v", err)
	}
	if err := s.Delete(ctx, c.ID, c.Revision); err != nil {
		t.Errorf("Delete: %v", err)
	}

	if _, err := s.GetToken(ctx, storetest.TokenHash("missing")); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("GetToken missing: %v", err)
	}
	tok, err := s.CreateToken(ctx, storetest.SampleToken("iat-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, storetest.SampleToken("iat-1")); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Errorf("CreateToken duplicate: %v", err)
	}
	staleTok := tok
	staleTok.Revision = 7
	if _, err := s.UpdateToken(ctx, staleTok); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("UpdateToken stale: %v", err)
	}
	rehashed := tok
	rehashed.Hash = storetest.TokenHash("other")
	_, err = s.UpdateToken(ctx, rehashed)
	for _, sentinel := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict, sdk.ErrUnavailable} {
		if err == nil || errors.Is(err, sentinel) {
			t.Errorf("UpdateToken with another hash: %v, want a plain error", err)
		}
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti", 200, 100); err != nil {
		t.Errorf("MarkJTIUsed: %v", err)
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti", 200, 150); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Errorf("MarkJTIUsed replay: %v", err)
	}
	if n, err := s.CountClients(ctx, c.Profile); n != 0 || err != nil {
		t.Errorf("CountClients after Delete = %d, %v", n, err)
	}
	if err := s.Health(ctx); err != nil {
		t.Errorf("Health: %v", err)
	}
}

// TestStoreConformance runs the store conformance suite against the test
// plugin's store over the real wire, one plugin process per case.
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) sdk.Store {
		s, err := start(t, "TESTPLUGIN_KINDS=store").Store()
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestClientsOnlyStorePlugin: a plugin whose store keeps clients alone
// serves the store kind and not token_store or jti_store, and its clients
// pass the clients part of the conformance suite over the wire.
func TestClientsOnlyStorePlugin(t *testing.T) {
	t.Parallel()
	env := []string{"TESTPLUGIN_KINDS=store", "TESTPLUGIN_STORE=clients"}
	inst := start(t, env...)
	if got := inst.Kinds(); !slices.Equal(got, []string{plugin.KindStore}) {
		t.Fatalf("Kinds() = %v, want [store]", got)
	}
	_, errStore := inst.Store()
	_, errTokens := inst.TokenStore()
	_, errJTI := inst.JTIStore()
	for name, err := range map[string]error{"Store": errStore, "TokenStore": errTokens, "JTIStore": errJTI} {
		if !errors.Is(err, plugin.ErrNotServed) {
			t.Errorf("%s(): %v, want ErrNotServed", name, err)
		}
	}
	storetest.RunClients(t, func(t *testing.T) sdk.ClientStore {
		s, err := start(t, env...).ClientStore()
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestStoreParts: the parts of a whole store plugin, as a server that
// composes stores uses them, reach the same store.
func TestStoreParts(t *testing.T) {
	t.Parallel()
	inst := start(t, "TESTPLUGIN_KINDS=store")
	tokens, err := inst.TokenStore()
	if err != nil {
		t.Fatal(err)
	}
	jtis, err := inst.JTIStore()
	if err != nil {
		t.Fatal(err)
	}
	whole, err := inst.Store()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.CreateToken(t.Context(), storetest.SampleToken("iat-parts"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := whole.GetToken(t.Context(), tok.Hash); err != nil || got != tok {
		t.Fatalf("GetToken through Store() = %+v, %v; want %+v", got, err, tok)
	}
	if err := jtis.MarkJTIUsed(t.Context(), "iss\x00jti", 2_000_000_000, 1_700_000_000); err != nil {
		t.Fatal(err)
	}
	if err := whole.MarkJTIUsed(t.Context(), "iss\x00jti", 2_000_000_000, 1_700_000_000); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Fatalf("replay through Store(): %v, want ErrAlreadyExists", err)
	}
	for name, health := range map[string]func(context.Context) error{"tokens": tokens.Health, "jtis": jtis.Health, "whole": whole.Health} {
		if err := health(t.Context()); err != nil {
			t.Errorf("%s Health: %v", name, err)
		}
	}
}

// TestStoreConformanceInProcess checks the test plugin's store itself, so
// that a failure of TestStoreConformance points at the wire.
func TestStoreConformanceInProcess(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) sdk.Store { return &testimpl.Store{} })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCrashingPlugin(t *testing.T) {
	t.Parallel()
	inst := plugintest.Start(t, testPlugin, plugintest.WithConfig([]byte(`{"mode":"crash"}`)))
	v := validator(t, inst)
	_, err := v.Validate(t.Context(), sampleContext())
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("got %v, want errors.Is ErrUnavailable", err)
	}
	eventually(t, "Exited()", inst.Exited)
	if _, err := v.Validate(t.Context(), sampleContext()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("call after the crash: %v", err)
	}
	if err := inst.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("Health after the crash: %v", err)
	}
}

func TestHangingPlugin(t *testing.T) {
	t.Parallel()
	inst := plugintest.Start(t, testPlugin, plugintest.WithConfig([]byte(`{"mode":"hang"}`)))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := validator(t, inst).Validate(ctx, sampleContext())
	took := time.Since(began)
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("got %v, want errors.Is ErrUnavailable", err)
	}
	if took > 2*time.Second {
		t.Fatalf("the call took %v with a 300ms deadline", took)
	}
	// The plugin still answers other calls.
	if err := inst.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	if inst.Exited() {
		t.Fatal("Exited() after a hang")
	}
}

func TestKill(t *testing.T) {
	t.Parallel()
	inst := start(t)
	v := validator(t, inst)
	inst.Kill()
	if !inst.Exited() {
		t.Fatal("Exited() is false after Kill")
	}
	if _, err := v.Validate(t.Context(), sampleContext()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("call after Kill: %v", err)
	}
	inst.Kill() // twice is fine
}

func TestCanceledContextIsNotSent(t *testing.T) {
	t.Parallel()
	inst := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := validator(t, inst).Validate(ctx, sampleContext()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("got %v, want errors.Is ErrUnavailable", err)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	inst := start(t)
	if err := inst.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := inst.Configure(t.Context(), []byte(`{"mode":"unhealthy"}`)); err != nil {
		t.Fatal(err)
	}
	if err := inst.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("got %v, want errors.Is ErrUnavailable", err)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	inst := start(t)
	for _, tc := range []struct {
		config string
		attr   string // "" for success
	}{
		{`{"fail": true}`, "fail"},
		{`{"bogus": 1}`, "bogus"},
		{`{"mode": "sideways"}`, "mode"},
		{`{"fail": false, "client_id_prefix": "x-"}`, ""},
		{``, ""},
	} {
		err := inst.Configure(t.Context(), []byte(tc.config))
		if tc.attr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.config, err)
			}
			continue
		}
		var ce *plugin.ConfigError
		if !errors.As(err, &ce) || ce.Attribute != tc.attr || ce.Message == "" {
			t.Errorf("%s: got %T %v, want a ConfigError on %q", tc.config, err, err, tc.attr)
		}
	}
}

// TestEnvironmentNotInherited: the plugin sees LaunchConfig.Env and nothing
// of the server's environment.
func TestEnvironmentNotInherited(t *testing.T) {
	t.Setenv("REGISTRAR_TEST_SECRET", "leaked")
	inst := start(t, "TESTPLUGIN_GREETING=hello")
	rc := sampleContext()
	rc.Items = map[string]string{testimpl.ItemGetenv: "REGISTRAR_TEST_SECRET,TESTPLUGIN_GREETING,PATH,HOME"}
	got, err := validator(t, inst).Validate(t.Context(), rc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items["env.TESTPLUGIN_GREETING"] != "hello" {
		t.Errorf("LaunchConfig.Env did not reach the plugin: %v", got.Items)
	}
	for _, name := range []string{"REGISTRAR_TEST_SECRET", "PATH", "HOME"} {
		if v, ok := got.Items["env."+name]; !ok || v != "" {
			t.Errorf("the plugin sees %s=%q (reported: %v)", name, v, ok)
		}
	}
}

func TestChecksumMismatch(t *testing.T) {
	t.Parallel()
	_, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
		Name:   "tp",
		Path:   testPlugin,
		SHA256: strings.Repeat("ab", 32),
	})
	if err == nil {
		t.Fatal("Launch succeeded with a wrong checksum")
	}
	for _, s := range []string{`plugin "tp"`, "SHA-256 checksum", "does not match", strings.Repeat("ab", 32)} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestChecksumRequired(t *testing.T) {
	t.Parallel()
	for _, sum := range []string{"", "xyz", strings.Repeat("ab", 31)} {
		_, err := plugin.Launch(t.Context(), plugin.LaunchConfig{Name: "tp", Path: testPlugin, SHA256: sum})
		if err == nil || !strings.Contains(err.Error(), "sha256") {
			t.Errorf("SHA256 %q: got %v, want an error about sha256", sum, err)
		}
	}
	inst, err := plugin.Launch(t.Context(), plugin.LaunchConfig{Name: "tp", Path: testPlugin, DevMode: true, Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatalf("DevMode without checksum: %v", err)
	}
	inst.Kill()
}

func TestProtocolVersionMismatch(t *testing.T) {
	t.Parallel()
	_, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
		Name:   "future",
		Path:   futurePlugin,
		SHA256: plugintest.SHA256(t, futurePlugin),
		Logger: hclog.NewNullLogger(),
	})
	if err == nil {
		t.Fatal("Launch accepted a plugin of protocol version 2")
	}
	for _, s := range []string{"protocol version mismatch", "version 1", "Plugin version: 2"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestNotAPlugin(t *testing.T) {
	t.Parallel()
	_, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
		Name: "true", Path: "/bin/true", DevMode: true, Logger: hclog.NewNullLogger(),
	})
	if err == nil {
		t.Fatal("Launch accepted /bin/true")
	}
	_, err = plugin.Launch(t.Context(), plugin.LaunchConfig{Name: "x", DevMode: true})
	if err == nil {
		t.Fatal("Launch accepted an empty path")
	}
}

func TestLaunchContextCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := plugin.Launch(ctx, plugin.LaunchConfig{Name: "tp", Path: testPlugin, DevMode: true, Logger: hclog.NewNullLogger()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsUnderPluginName: the plugin's JSON log lines appear in the host's
// log under Logger.Named(Name), at their own level.
func TestLogsUnderPluginName(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := hclog.New(&hclog.LoggerOptions{Name: "host", Level: hclog.Debug, Output: &buf})
	inst, err := plugin.Launch(t.Context(), plugin.LaunchConfig{
		Name: "policy", Path: testPlugin, SHA256: plugintest.SHA256(t, testPlugin), Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	inst.Kill()
	out := buf.String()
	// go-plugin's serve logs "plugin address" at debug level, in JSON, on
	// the plugin's stderr.
	if !strings.Contains(out, "[DEBUG] host.policy: plugin address") {
		t.Fatalf("no plugin log line under host.policy in:\n%s", out)
	}
}

// BenchmarkValidateRoundTrip measures one Validate call through the plugin
// wire (encode, gRPC over mTLS, the plugin's DefaultSteps, decode).
func BenchmarkValidateRoundTrip(b *testing.B) {
	inst := plugintest.Start(b, testPlugin, plugintest.WithLogger(hclog.NewNullLogger()))
	v, err := inst.Validator()
	if err != nil {
		b.Fatal(err)
	}
	rc := sampleContext()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Validate(context.Background(), rc); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkValidateInProcess is the same validation without the wire, for
// comparison.
func BenchmarkValidateInProcess(b *testing.B) {
	v := sdk.StepsValidator{Steps: testimpl.Steps{}}
	rc := sampleContext()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Validate(context.Background(), rc); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHealthRoundTrip measures the bare wire: an empty call.
func BenchmarkHealthRoundTrip(b *testing.B) {
	inst := plugintest.Start(b, testPlugin, plugintest.WithLogger(hclog.NewNullLogger()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := inst.Health(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHealthParallel is the throughput of empty calls from 16
// goroutines: the floor of a plugin call's cost, both processes included.
func BenchmarkHealthParallel(b *testing.B) {
	inst := plugintest.Start(b, testPlugin, plugintest.WithLogger(hclog.NewNullLogger()))
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := inst.Health(context.Background()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

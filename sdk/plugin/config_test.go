package plugin

import (
	"context"
	"errors"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

type gateConfig struct {
	Limit int `json:"limit"`
}

// gatedPlugin keeps its configuration in a plain field, as WithConfig
// allows.
type gatedPlugin struct{ limit int }

func (p *gatedPlugin) configure(_ context.Context, c gateConfig) error {
	if c.Limit <= 0 {
		return &sdk.ConfigError{Attribute: "limit", Message: "must be positive"}
	}
	p.limit = c.Limit
	return nil
}

func TestWithConfigOptions(t *testing.T) {
	p := &gatedPlugin{}
	raw := func(context.Context, []byte) error { return nil }
	tests := []struct {
		name     string
		cfg      *ServeConfig
		opts     []ServeOption
		wantGate bool
		wantErr  bool
	}{
		{name: "no options", cfg: &ServeConfig{Processor: sdk.DefaultProcessor{}, Configure: raw}},
		{name: "nil option", cfg: &ServeConfig{Processor: sdk.DefaultProcessor{}}, opts: []ServeOption{nil}},
		{name: "with config", cfg: &ServeConfig{Processor: sdk.DefaultProcessor{}}, opts: []ServeOption{WithConfig(p.configure)}, wantGate: true},
		{name: "with config and Configure", cfg: &ServeConfig{Processor: sdk.DefaultProcessor{}, Configure: raw}, opts: []ServeOption{WithConfig(p.configure)}, wantErr: true},
		{name: "nil configure", cfg: &ServeConfig{Processor: sdk.DefaultProcessor{}}, opts: []ServeOption{WithConfig[gateConfig](nil)}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := *tc.cfg
			cfg, gate, err := applyOptions(tc.cfg, tc.opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if (gate != nil) != tc.wantGate {
				t.Fatalf("gate = %v, want one %v", gate, tc.wantGate)
			}
			if tc.cfg.Configure == nil != (before.Configure == nil) {
				t.Error("applyOptions modified its argument")
			}
			if tc.wantGate && cfg.Configure == nil {
				t.Error("WithConfig set no Configure")
			}
		})
	}
}

func TestConfigGate(t *testing.T) {
	p := &gatedPlugin{}
	cfg, gate, err := applyOptions(&ServeConfig{Processor: sdk.DefaultProcessor{}}, []ServeOption{WithConfig(p.configure)})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method string) error {
		_, err := gate.unary(t.Context(), nil, &grpc.UnaryServerInfo{FullMethod: method}, func(context.Context, any) (any, error) {
			return "ok", nil
		})
		return err
	}
	kindMethods := []string{
		pb.Processor_Process_FullMethodName, pb.Validator_Validate_FullMethodName,
		pb.Store_GetByRegistrationToken_FullMethodName, pb.TokenStore_GetToken_FullMethodName, pb.JTIStore_MarkJTIUsed_FullMethodName, pb.ResponseGenerator_Generate_FullMethodName,
		pb.Plugin_Health_FullMethodName,
		"/registrar.plugin.v1.FutureService/Call", // a service added later is gated too
	}
	open := []string{
		pb.Plugin_Configure_FullMethodName, pb.Plugin_Describe_FullMethodName,
		"/grpc.health.v1.Health/Check", "/plugin.GRPCController/Shutdown", // go-plugin's own
	}

	checkAll := func(stage string, wantOpen bool) {
		t.Helper()
		for _, m := range open {
			if err := call(m); err != nil {
				t.Errorf("%s: %s: %v, want it let through", stage, m, err)
			}
		}
		for _, m := range kindMethods {
			err := call(m)
			if wantOpen {
				if err != nil {
					t.Errorf("%s: %s: %v", stage, m, err)
				}
				continue
			}
			if status.Code(err) != codes.Unavailable || !errors.Is(convert.FromStatus(err), sdk.ErrUnavailable) {
				t.Errorf("%s: %s: %v, want UNAVAILABLE (sdk.ErrUnavailable on the host)", stage, m, err)
			}
		}
	}

	checkAll("before Configure", false)

	var ce *sdk.ConfigError
	for _, tc := range []struct{ name, raw, attribute string }{
		{"unknown attribute", `{"limit": 1, "lmit": 2}`, "lmit"},
		{"wrong type", `{"limit": "10"}`, "limit"},
		{"refused by the plugin", `{"limit": 0}`, "limit"},
		{"not an object", `[]`, ""},
	} {
		if err := cfg.Configure(t.Context(), []byte(tc.raw)); !errors.As(err, &ce) || ce.Attribute != tc.attribute {
			t.Errorf("Configure(%s) = %v, want a ConfigError on %q", tc.raw, err, tc.attribute)
		}
	}
	checkAll("after failed Configure", false)

	if err := cfg.Configure(t.Context(), []byte(`{"limit": 10}`)); err != nil {
		t.Fatal(err)
	}
	if p.limit != 10 {
		t.Fatalf("limit = %d, want 10", p.limit)
	}
	checkAll("after Configure", true)

	// A failed reconfiguration keeps the previous one, and the gate open.
	if err := cfg.Configure(t.Context(), []byte(`{"limit": -1}`)); !errors.As(err, &ce) {
		t.Fatalf("Configure = %v", err)
	}
	if p.limit != 10 {
		t.Fatalf("limit = %d after a refused reconfiguration, want 10", p.limit)
	}
	checkAll("after refused reconfiguration", true)
}

// TestConfigGateRace reconfigures while calls read the plain field the
// configuration sets; run with -race.
func TestConfigGateRace(t *testing.T) {
	p := &gatedPlugin{}
	cfg, gate, err := applyOptions(&ServeConfig{Processor: sdk.DefaultProcessor{}}, []ServeOption{WithConfig(p.configure)})
	if err != nil {
		t.Fatal(err)
	}
	info := &grpc.UnaryServerInfo{FullMethod: pb.Processor_Process_FullMethodName}
	read := func(context.Context, any) (any, error) {
		if p.limit <= 0 {
			return nil, errors.New("a call saw an unconfigured plugin")
		}
		return p.limit, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if _, err := gate.unary(t.Context(), nil, info, read); err != nil && status.Code(err) != codes.Unavailable {
					errs <- err
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if err := cfg.Configure(t.Context(), []byte(`{"limit": `+string(rune('1'+(i+j)%9))+`}`)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

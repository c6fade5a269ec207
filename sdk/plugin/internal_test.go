package plugin

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// recordingSteps reports which step ran.
type recordingSteps struct{ sdk.DefaultSteps }

func mark(name string) stepFunc {
	return func(_ context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
		rc.Items = map[string]string{"ran": name}
		return rc, nil
	}
}

func (recordingSteps) SoftwareStatement(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("SoftwareStatement")(ctx, rc)
}
func (recordingSteps) ApplicationType(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("ApplicationType")(ctx, rc)
}
func (recordingSteps) GrantTypes(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("GrantTypes")(ctx, rc)
}
func (recordingSteps) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("RedirectURIs")(ctx, rc)
}
func (recordingSteps) AuthMethod(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("AuthMethod")(ctx, rc)
}
func (recordingSteps) Scopes(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("Scopes")(ctx, rc)
}
func (recordingSteps) Names(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("Names")(ctx, rc)
}
func (recordingSteps) OpenIDConnect(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("OpenIDConnect")(ctx, rc)
}
func (recordingSteps) Extensions(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("Extensions")(ctx, rc)
}
func (recordingSteps) Unknown(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return mark("Unknown")(ctx, rc)
}

// TestStepNamesCoverSteps fails when sdk.Steps gains a method that has no
// step name, or when a name dispatches to the wrong method.
func TestStepNamesCoverSteps(t *testing.T) {
	iface := reflect.TypeFor[sdk.Steps]()
	if iface.NumMethod() != len(stepNames) {
		t.Fatalf("sdk.Steps has %d methods, sdk/plugin names %d steps", iface.NumMethod(), len(stepNames))
	}
	var ran []string
	for _, name := range AllSteps() {
		f := step(recordingSteps{}, name)
		if f == nil {
			t.Fatalf("step %q dispatches to nothing", name)
		}
		rc, _ := f(t.Context(), sdk.RegistrationContext{})
		ran = append(ran, rc.Items["ran"])
	}
	for i := range iface.NumMethod() {
		if m := iface.Method(i).Name; !slices.Contains(ran, m) {
			t.Errorf("no step name dispatches to Steps.%s", m)
		}
	}
	if step(recordingSteps{}, "RedirectURIs") != nil {
		t.Error("Go method names are not step names")
	}
}

func TestServeConfigChecks(t *testing.T) {
	for name, cfg := range map[string]*ServeConfig{
		"nil":     nil,
		"nothing": {Configure: func(context.Context, []byte) error { return nil }},
		"both":    {Validator: sdk.StepsValidator{Steps: sdk.DefaultSteps{}}, Steps: sdk.DefaultSteps{}},
	} {
		if _, err := cfg.pluginSet(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	set, err := (&ServeConfig{Steps: sdk.DefaultSteps{}, Response: sdk.DefaultResponseGenerator{}}).pluginSet()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{controlKey, KindResponse, KindValidator}; !slices.Equal(keys, want) {
		t.Errorf("plugin set %v, want %v", keys, want)
	}
}

func TestConfigureWithoutConfigureFunc(t *testing.T) {
	s := &controlServer{cfg: &ServeConfig{}}
	for _, ok := range []string{``, ` `, `{}`, `null`, ` { } `} {
		if _, err := s.Configure(t.Context(), &pb.ConfigureRequest{ConfigJson: []byte(ok)}); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{`{"a":1}`, `[]`, `1`} {
		_, err := s.Configure(t.Context(), &pb.ConfigureRequest{ConfigJson: []byte(bad)})
		if _, _, ok := convert.ConfigErrorFromStatus(err); !ok {
			t.Errorf("%q: got %v, want a ConfigError", bad, err)
		}
	}
}

func TestConfigurePassesEmptyObject(t *testing.T) {
	var got string
	s := &controlServer{cfg: &ServeConfig{Configure: func(_ context.Context, b []byte) error { got = string(b); return nil }}}
	if _, err := s.Configure(t.Context(), &pb.ConfigureRequest{}); err != nil {
		t.Fatal(err)
	}
	if got != "{}" {
		t.Fatalf("Configure got %q, want {}", got)
	}
}

func TestConfigurePlainError(t *testing.T) {
	s := &controlServer{cfg: &ServeConfig{Configure: func(context.Context, []byte) error { return errors.New("db down") }}}
	_, err := s.Configure(t.Context(), &pb.ConfigureRequest{})
	if _, _, ok := convert.ConfigErrorFromStatus(err); ok {
		t.Fatal("a plain error became a ConfigError")
	}
	if status.Code(err) != codes.Unknown {
		t.Fatalf("code %v", status.Code(err))
	}
}

func TestBadRequestsAreInvalidArgument(t *testing.T) {
	v := &validatorServer{impl: sdk.StepsValidator{Steps: sdk.DefaultSteps{}}}
	_, err := v.Validate(t.Context(), &pb.RegistrationContext{RequestMetadataJson: []byte(`{`)})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("got %v", err)
	}
	_, err = v.ValidateStep(t.Context(), &pb.StepRequest{Step: StepScopes})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("ValidateStep without Steps: %v", err)
	}
}

func TestConfigErrorText(t *testing.T) {
	if got := (&ConfigError{Attribute: "uri", Message: "must be https"}).Error(); got != "invalid plugin configuration: uri: must be https" {
		t.Error(got)
	}
	if got := (&ConfigError{Message: "not an object"}).Error(); got != "invalid plugin configuration: not an object" {
		t.Error(got)
	}
}

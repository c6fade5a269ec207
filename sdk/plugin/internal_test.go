package plugin

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// TestNoPerStepRPC: the v1 protocol has no per-step validation (the server
// never called it): the Validator service has Validate alone, and the
// removed DescribeResponse.steps is reserved so that its number and name
// are never reused with another meaning.
func TestNoPerStepRPC(t *testing.T) {
	file := pb.File_registrar_plugin_v1_plugin_proto
	validator := file.Services().ByName("Validator")
	if validator == nil {
		t.Fatal("no Validator service")
	}
	var methods []string
	for i := range validator.Methods().Len() {
		methods = append(methods, string(validator.Methods().Get(i).Name()))
	}
	if !slices.Equal(methods, []string{"Validate"}) {
		t.Errorf("Validator methods = %v, want [Validate]", methods)
	}
	if file.Messages().ByName("StepRequest") != nil {
		t.Error("StepRequest is still part of the protocol")
	}
	describe := (&pb.DescribeResponse{}).ProtoReflect().Descriptor()
	if describe.Fields().ByNumber(2) != nil || !describe.ReservedRanges().Has(2) || !describe.ReservedNames().Has("steps") {
		t.Error("DescribeResponse field 2 (steps) is not removed and reserved")
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
}

func TestConfigErrorText(t *testing.T) {
	if got := (&ConfigError{Attribute: "uri", Message: "must be https"}).Error(); got != "invalid plugin configuration: uri: must be https" {
		t.Error(got)
	}
	if got := (&ConfigError{Message: "not an object"}).Error(); got != "invalid plugin configuration: not an object" {
		t.Error(got)
	}
}

// TestStoreKindNotServedIsUnsupported: a plugin that serves clients alone
// registers no TokenStore or JTIStore service, and a call to one arrives on
// the host as UNIMPLEMENTED, that is errors.ErrUnsupported ("not
// supported"), never as a store sentinel such as ErrNotFound.
func TestStoreKindNotServedIsUnsupported(t *testing.T) {
	set, err := (&ServeConfig{Store: clientsOnly{}}).pluginSet()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set[KindTokenStore]; ok {
		t.Error("a clients-only store serves token_store")
	}
	if _, ok := set[KindJTIStore]; ok {
		t.Error("a clients-only store serves jti_store")
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	for _, p := range set {
		if err := p.(*kindPlugin).GRPCServer(nil, srv); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	tokens := newTokenStoreClient(conn).(*tokenStoreClient)
	jtis := newJTIStoreClient(conn).(*jtiStoreClient)
	clients := newStoreClient(conn).(*storeClient)
	_, errGet := tokens.GetToken(t.Context(), "hash")
	_, errList := tokens.ListTokens(t.Context())
	errMark := jtis.MarkJTIUsed(t.Context(), "key", 2, 1)
	for name, err := range map[string]error{"GetToken": errGet, "ListTokens": errList, "MarkJTIUsed": errMark} {
		if !errors.Is(err, errors.ErrUnsupported) || errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrAlreadyExists) {
			t.Errorf("%s: %v, want errors.ErrUnsupported", name, err)
		}
	}
	if _, err := clients.Get(t.Context(), "c1"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Get of the served client store: %v, want ErrNotFound", err)
	}
}

// clientsOnly is a ClientStore that knows no client.
type clientsOnly struct{}

func (clientsOnly) Create(context.Context, sdk.Client) (sdk.Client, error) {
	return sdk.Client{}, errors.ErrUnsupported
}
func (clientsOnly) Get(context.Context, string) (sdk.Client, error) {
	return sdk.Client{}, sdk.ErrNotFound
}
func (clientsOnly) GetByRegistrationToken(context.Context, string) (sdk.Client, error) {
	return sdk.Client{}, sdk.ErrNotFound
}
func (clientsOnly) Update(context.Context, sdk.Client) (sdk.Client, error) {
	return sdk.Client{}, sdk.ErrNotFound
}
func (clientsOnly) Delete(context.Context, string, int64) error         { return sdk.ErrNotFound }
func (clientsOnly) CountClients(context.Context, string) (int64, error) { return 0, nil }
func (clientsOnly) Health(context.Context) error                        { return nil }

// TestUpstreamService: the Upstream service has the five methods of
// sdk.Upstream, and the one plaintext credential it carries is a field of
// its own (Provision.client_secret, number 3) beside the redacted client,
// so that a non-Go plugin built from the .proto finds it there.
func TestUpstreamService(t *testing.T) {
	file := pb.File_registrar_plugin_v1_plugin_proto
	svc := file.Services().ByName("Upstream")
	if svc == nil {
		t.Fatal("no Upstream service")
	}
	var methods []string
	for i := range svc.Methods().Len() {
		methods = append(methods, string(svc.Methods().Get(i).Name()))
	}
	if want := []string{"Create", "Update", "Delete", "List", "Health"}; !slices.Equal(methods, want) {
		t.Errorf("Upstream methods = %v, want %v", methods, want)
	}
	prov := (&pb.Provision{}).ProtoReflect().Descriptor()
	for name, number := range map[string]int{"operation": 1, "client": 2, "client_secret": 3, "revision": 4} {
		if f := prov.Fields().ByName(protoreflect.Name(name)); f == nil || int(f.Number()) != number {
			t.Errorf("Provision.%s is not field %d", name, number)
		}
	}
	set, err := (&ServeConfig{Upstream: upstreamStub{}}).pluginSet()
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 || set[controlKey] == nil || set[KindUpstream] == nil {
		t.Errorf("plugin set of an upstream plugin: %v", set)
	}
	if _, ok := hostPluginSet()[KindUpstream]; !ok {
		t.Error("the host cannot dispense the upstream kind")
	}
}

type upstreamStub struct{ sdk.Upstream }

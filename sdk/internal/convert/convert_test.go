package convert

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
	"github.com/registrar-dcr/registrar/sdk/storetest"
)

// wire sends m through protobuf encoding, as the plugin connection does.
func wire[M proto.Message](t *testing.T, m M) M {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	out := m.ProtoReflect().New().Interface().(M)
	if err := proto.Unmarshal(b, out); err != nil {
		t.Fatalf("proto.Unmarshal: %v", err)
	}
	return out
}

func requireEqual(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		wj, _ := json.MarshalIndent(want, "", "  ")
		gj, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("%s changed across the wire\nwant %s\n got %s\nwant %#v\n got %#v", what, wj, gj, want, got)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.Metadata
	}{
		{"zero", sdk.Metadata{}},
		{"full", fullMetadata()},
		{"localized only", sdk.Metadata{Localized: map[string]string{"client_name#ja-Jpan-JP": "名前"}}},
		{"extensions only", sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`[1,"2",{}]`)}}},
		{"explicit false and zero", sdk.Metadata{RequireAuthTime: ptr(false), DefaultMaxAge: ptr(int64(0))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := MetadataToJSON(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := MetadataFromJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "metadata", tc.in, got)
		})
	}
}

func TestMetadataJSONIsRFC7591(t *testing.T) {
	b, err := MetadataToJSON(fullMetadata())
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"redirect_uris", "client_name#ja-Jpan-JP", "x_nested", "x_label#en", "jwks", "default_max_age"} {
		if _, ok := members[name]; !ok {
			t.Errorf("metadata_json lacks member %q: %s", name, b)
		}
	}
	if got := string(members["x_big_int"]); got != "9007199254740993" {
		t.Errorf("x_big_int = %s, want the exact integer", got)
	}
}

func TestMetadataFromJSONEmptyAndInvalid(t *testing.T) {
	for _, in := range [][]byte{nil, {}} {
		m, err := MetadataFromJSON(in)
		if err != nil || !reflect.DeepEqual(m, sdk.Metadata{}) {
			t.Errorf("MetadataFromJSON(%q) = %#v, %v; want zero, nil", in, m, err)
		}
	}
	for _, in := range []string{`[]`, `{"redirect_uris":`, `"x"`} {
		if _, err := MetadataFromJSON([]byte(in)); err == nil {
			t.Errorf("MetadataFromJSON(%s): no error", in)
		}
	}
	bad := sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`{`)}}
	if _, err := MetadataToJSON(bad); err == nil {
		t.Error("MetadataToJSON with an invalid extension: no error")
	}
}

func TestClientRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.Client
	}{
		{"zero", sdk.Client{}},
		{"full", fullClient("client-1")},
		{"id only", sdk.Client{ID: "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ClientToProto(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ClientValueFromProto(wire(t, p))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "client", tc.in, got)
		})
	}
}

// TestClientRoundTripSample runs the storetest sample, which holds
// non-compact and HTML-special raw JSON, and compares it the way stores are
// compared.
func TestClientRoundTripSample(t *testing.T) {
	in := storetest.SampleClient("sample")
	in.Revision = 7
	p, err := ClientToProto(&in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ClientValueFromProto(wire(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if d := storetest.Diff(in, got); d != "" {
		t.Fatalf("sample client changed across the wire:\n%s", d)
	}
}

func TestClientDoesNotShareMemory(t *testing.T) {
	in := fullClient("c")
	p, err := ClientToProto(&in)
	if err != nil {
		t.Fatal(err)
	}
	p.SecretSealed[0] = 0xaa
	if in.SecretSealed[0] == 0xaa {
		t.Error("ClientToProto shares SecretSealed with its argument")
	}
	out, err := ClientFromProto(p)
	if err != nil {
		t.Fatal(err)
	}
	p.SecretSealed[1] = 0xbb
	if out.SecretSealed[1] == 0xbb {
		t.Error("ClientFromProto shares SecretSealed with the message")
	}
}

func TestClientFromProtoInvalidMetadata(t *testing.T) {
	if _, err := ClientFromProto(&pb.Client{Id: "c", MetadataJson: []byte(`{`)}); err == nil {
		t.Fatal("no error for invalid metadata_json")
	}
	if _, err := ClientValueFromProto(nil); err == nil {
		t.Fatal("ClientValueFromProto(nil): no error")
	}
}

func TestInitialAccessTokenRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.InitialAccessToken
	}{
		{"zero", sdk.InitialAccessToken{}},
		{"full", fullToken("iat-1")},
		{"identity only", sdk.InitialAccessToken{ID: "iat-2", Hash: sdk.HashToken("x")}},
		{"negative and extreme values", sdk.InitialAccessToken{ID: "iat-3", CreatedAt: -1, ExpiresAt: 1<<63 - 1, MaxUses: -5, Revision: -7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InitialAccessTokenValueFromProto(wire(t, InitialAccessTokenToProto(&tc.in)))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "initial access token", tc.in, got)
		})
	}
	if _, err := InitialAccessTokenValueFromProto(nil); err == nil {
		t.Error("InitialAccessTokenValueFromProto(nil): no error")
	}
}

// TestInitialAccessTokenSetsEveryProtoField fails when a field is added to
// the InitialAccessToken message and the converter leaves it unset.
func TestInitialAccessTokenSetsEveryProtoField(t *testing.T) {
	in := fullToken("iat-1")
	m := InitialAccessTokenToProto(&in).ProtoReflect()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); !m.Has(f) {
			t.Errorf("InitialAccessTokenToProto leaves %s unset", f.Name())
		}
	}
}

func TestInitialAccessTokensRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []sdk.InitialAccessToken
	}{
		{"nil", nil},
		{"one", []sdk.InitialAccessToken{fullToken("a")}},
		{"order kept", []sdk.InitialAccessToken{fullToken("b"), {ID: "a"}, fullToken("c")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := wire(t, &pb.ListTokensResponse{Tokens: InitialAccessTokensToProto(tc.in)})
			got, err := InitialAccessTokensFromProto(msg.GetTokens())
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "initial access tokens", tc.in, got)
		})
	}
	if got := InitialAccessTokensToProto([]sdk.InitialAccessToken{}); got != nil {
		t.Errorf("empty list: got %v, want nil", got)
	}
	if _, err := InitialAccessTokensFromProto([]*pb.InitialAccessToken{{Id: "a"}, nil}); err == nil {
		t.Error("a list with a missing element: no error")
	}
}

func TestCallerRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.Caller
	}{
		{"zero", sdk.Caller{}},
		{"full", fullCaller()},
		{"empty claims", sdk.Caller{Method: sdk.AuthAnonymous, Claims: map[string]any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CallerToProto(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := CallerFromProto(wire(t, p))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "caller", tc.in, *got)
		})
	}
	if _, err := CallerToProto(&sdk.Caller{Claims: map[string]any{"f": func() {}}}); err == nil {
		t.Error("CallerToProto with an unencodable claim: no error")
	}
	if _, err := CallerFromProto(&pb.Caller{ClaimsJson: []byte(`[1]`)}); err == nil {
		t.Error("CallerFromProto with non-object claims: no error")
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.Policy
	}{
		{"zero", sdk.Policy{}},
		{"full", fullPolicy()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PolicyFromProto(wire(t, PolicyToProto(&tc.in)))
			requireEqual(t, "policy", tc.in, *got)
		})
	}
}

func TestCredentialsRoundTrip(t *testing.T) {
	in := sdk.Credentials{ClientSecret: "s", RegistrationAccessToken: "t"}
	got := CredentialsFromProto(wire(t, CredentialsToProto(&in)))
	requireEqual(t, "credentials", in, *got)
	if p := CredentialsToProto(&sdk.Credentials{}); p != nil {
		t.Errorf("zero credentials: got %v, want nil", p)
	}
}

func TestContextRoundTrip(t *testing.T) {
	create := fullContext()
	create.Operation = sdk.OperationCreate
	create.Current = nil
	create.Issued = sdk.Credentials{}
	noClaims := fullContext()
	noClaims.SoftwareStatementClaims = nil
	emptyClaims := fullContext()
	emptyClaims.SoftwareStatementClaims = map[string]any{}
	for _, tc := range []struct {
		name string
		in   sdk.RegistrationContext
	}{
		{"zero", sdk.RegistrationContext{}},
		{"full", fullContext()},
		{"create without current", create},
		{"no software statement", noClaims},
		{"software statement without claims", emptyClaims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ContextToProto(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ContextValueFromProto(wire(t, p))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "registration context", tc.in, got)
		})
	}
}

func TestContextNowIsExact(t *testing.T) {
	local := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	p, err := ContextToProto(&sdk.RegistrationContext{Now: local})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ContextValueFromProto(p)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Now.Equal(local) {
		t.Fatalf("Now = %v, want the instant %v", got.Now, local)
	}
}

func TestContextInvalid(t *testing.T) {
	for name, p := range map[string]*pb.RegistrationContext{
		"request":        {RequestMetadataJson: []byte(`{`)},
		"claims":         {SoftwareStatementClaimsJson: []byte(`"x"`)},
		"client":         {Client: &pb.Client{MetadataJson: []byte(`1`)}},
		"current":        {Current: &pb.Client{MetadataJson: []byte(`1`)}},
		"caller claims":  {Caller: &pb.Caller{ClaimsJson: []byte(`{`)}},
		"missing answer": nil,
	} {
		if _, err := ContextValueFromProto(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNilInNilOut(t *testing.T) {
	if p, err := ClientToProto(nil); p != nil || err != nil {
		t.Error("ClientToProto(nil)")
	}
	if c, err := ClientFromProto(nil); c != nil || err != nil {
		t.Error("ClientFromProto(nil)")
	}
	if p, err := CallerToProto(nil); p != nil || err != nil {
		t.Error("CallerToProto(nil)")
	}
	if c, err := CallerFromProto(nil); c != nil || err != nil {
		t.Error("CallerFromProto(nil)")
	}
	if PolicyToProto(nil) != nil || PolicyFromProto(nil) != nil {
		t.Error("Policy converters of nil")
	}
	if CredentialsToProto(nil) != nil || CredentialsFromProto(nil) != nil {
		t.Error("Credentials converters of nil")
	}
	if InitialAccessTokenToProto(nil) != nil || InitialAccessTokenFromProto(nil) != nil {
		t.Error("InitialAccessToken converters of nil")
	}
	if l, err := InitialAccessTokensFromProto(nil); l != nil || err != nil || InitialAccessTokensToProto(nil) != nil {
		t.Error("InitialAccessTokens converters of nil")
	}
	if p, err := ContextToProto(nil); p != nil || err != nil {
		t.Error("ContextToProto(nil)")
	}
	if rc, err := ContextFromProto(nil); rc != nil || err != nil {
		t.Error("ContextFromProto(nil)")
	}
	if ToStatus(nil) != nil || FromStatus(nil) != nil {
		t.Error("error converters of nil")
	}
}

// TestViewsCarryNoCredential: what crosses the wire to a validator holds
// no plaintext credential, no hash and no sealed secret; what crosses to a
// response generator holds the plaintext it answers with and nothing else
// of the credentials. Both still tell whether the client has a secret and
// when it expires.
func TestViewsCarryNoCredential(t *testing.T) {
	full := fullContext()
	create := fullContext()
	create.Operation = sdk.OperationCreate
	create.Current = nil
	noSecret := fullContext()
	noSecret.Client.SecretHash, noSecret.Client.SecretSealed, noSecret.Client.SecretExpiresAt = "", nil, 0
	noSecret.Current.SecretHash, noSecret.Current.SecretSealed = "", nil
	noSecret.Issued.ClientSecret = ""

	plaintext := [][]byte{[]byte(full.Issued.ClientSecret), []byte(full.Issued.RegistrationAccessToken)}
	stored := [][]byte{
		[]byte(full.Client.SecretHash), []byte(full.Client.RegistrationTokenHash), full.Client.SecretSealed,
		[]byte(full.Current.SecretHash), []byte(full.Current.RegistrationTokenHash),
	}
	for _, tc := range []struct {
		name          string
		in            sdk.RegistrationContext
		encode        func(*sdk.RegistrationContext) (*pb.RegistrationContext, error)
		view          func(sdk.RegistrationContext) sdk.RegistrationContext
		wantPlaintext bool
	}{
		{"validator update", full, ValidatorContextToProto, sdk.RegistrationContext.ValidatorView, false},
		{"validator create", create, ValidatorContextToProto, sdk.RegistrationContext.ValidatorView, false},
		{"validator without secret", noSecret, ValidatorContextToProto, sdk.RegistrationContext.ValidatorView, false},
		{"response update", full, ResponseContextToProto, sdk.RegistrationContext.ResponseView, true},
		{"response create", create, ResponseContextToProto, sdk.RegistrationContext.ResponseView, true},
		{"response without secret", noSecret, ResponseContextToProto, sdk.RegistrationContext.ResponseView, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.encode(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := proto.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range stored {
				if len(v) > 0 && bytes.Contains(b, v) {
					t.Errorf("a hash or sealed secret crosses the wire: %q", v)
				}
			}
			issued := map[string]bool{tc.in.Issued.ClientSecret: true, tc.in.Issued.RegistrationAccessToken: true}
			for _, v := range plaintext {
				want := tc.wantPlaintext && issued[string(v)]
				if got := bytes.Contains(b, v); got != want {
					t.Errorf("plaintext %q on the wire: %v, want %v", v, got, want)
				}
			}
			got, err := ContextValueFromProto(wire(t, p))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "view", tc.view(tc.in), got)
			if got.Client.HasSecret() != tc.in.Client.HasSecret() || got.Client.SecretExpiresAt != tc.in.Client.SecretExpiresAt {
				t.Errorf("the view hides whether the client has a secret (%v) or its expiry (%d)", got.Client.HasSecret(), got.Client.SecretExpiresAt)
			}
		})
	}
	if p, err := ValidatorContextToProto(nil); p != nil || err != nil {
		t.Error("ValidatorContextToProto(nil)")
	}
	if p, err := ResponseContextToProto(nil); p != nil || err != nil {
		t.Error("ResponseContextToProto(nil)")
	}
}

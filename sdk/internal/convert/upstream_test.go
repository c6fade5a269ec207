package convert

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

func fullProvision() sdk.Provision {
	c := fullClient("c-1")
	c = sdk.RegistrationContext{Client: c}.ResponseView().Client
	return sdk.Provision{
		Operation:    sdk.OperationUpdate,
		Client:       c,
		ClientSecret: "plain-secret-ÿ",
		Revision:     4,
	}
}

func fullUpstreamPage() sdk.UpstreamPage {
	return sdk.UpstreamPage{
		Clients: []sdk.UpstreamClient{
			{ID: "c-1", Revision: 3, CreatedAt: 1700000000},
			{ID: "c-2", Revision: 1, CreatedAt: 1700000001},
		},
		Next: "page-2",
	}
}

func TestProvisionRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.Provision
	}{
		{"zero", sdk.Provision{}},
		{"full update with secret", fullProvision()},
		{"create with secret", sdk.Provision{Operation: sdk.OperationCreate, Client: sdk.Client{ID: "c", SecretHash: sdk.RedactedHash}, ClientSecret: "s3cr3t", Revision: 1}},
		{"create without secret", sdk.Provision{Operation: sdk.OperationCreate, Client: sdk.Client{ID: "public"}, Revision: 1}},
		{"update keeping the secret", sdk.Provision{Operation: sdk.OperationUpdate, Client: sdk.Client{ID: "c", SecretHash: sdk.RedactedHash}, Revision: 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ProvisionToProto(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ProvisionValueFromProto(wire(t, p))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "provision", tc.in, got)
			// Provision.ClientSecret is json:"-", so requireEqual's JSON
			// dump hides it: compare it on its own.
			if got.ClientSecret != tc.in.ClientSecret {
				t.Fatalf("client secret %q crossed as %q", tc.in.ClientSecret, got.ClientSecret)
			}
		})
	}
	if _, err := ProvisionValueFromProto(nil); err == nil {
		t.Error("ProvisionValueFromProto(nil): no error")
	}
}

// TestProvisionSetsEveryField fails when a field is added to sdk.Provision
// or to the Provision message and the converters leave it behind.
func TestProvisionSetsEveryField(t *testing.T) {
	in := fullProvision()
	in.Client = fullClient("c-1") // ProvisionToProto redacts it
	requireAllSet(t, in)
	p, err := ProvisionToProto(&in)
	if err != nil {
		t.Fatal(err)
	}
	m := p.ProtoReflect()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); !m.Has(f) {
			t.Errorf("ProvisionToProto leaves %s unset", f.Name())
		}
	}
}

// TestProvisionCarriesNoCredentialButTheSecret: whatever the caller passes,
// the client crosses to an upstream plugin without its hashes and sealed
// secret; the plaintext client secret of the request is the only credential
// on the wire, and HasSecret and SecretExpiresAt stay readable.
func TestProvisionCarriesNoCredentialButTheSecret(t *testing.T) {
	c := fullClient("c-1")
	in := sdk.Provision{Operation: sdk.OperationCreate, Client: c, ClientSecret: "the-secret", Revision: 1}
	p, err := ProvisionToProto(&in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ProvisionValueFromProto(wire(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if got.Client.SecretHash != sdk.RedactedHash || got.Client.RegistrationTokenHash != sdk.RedactedHash || got.Client.SecretSealed != nil {
		t.Errorf("client crossed with credentials: hash %q, token hash %q, sealed %x",
			got.Client.SecretHash, got.Client.RegistrationTokenHash, got.Client.SecretSealed)
	}
	if !got.Client.HasSecret() || got.Client.SecretExpiresAt != c.SecretExpiresAt {
		t.Error("HasSecret or SecretExpiresAt lost")
	}
	if got.ClientSecret != "the-secret" {
		t.Errorf("client secret = %q, want the plaintext of the request", got.ClientSecret)
	}
	if in.Client.SecretHash != c.SecretHash {
		t.Error("ProvisionToProto changed its argument")
	}
}

func TestProvisionedRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.Provisioned
	}{
		{"zero keeps Registrar's", sdk.Provisioned{}},
		{"assigned id and secret", sdk.Provisioned{ClientID: "upstream-7", ClientSecret: "assigned-secret"}},
		{"assigned id only", sdk.Provisioned{ClientID: "upstream-8"}},
		{"assigned secret only", sdk.Provisioned{ClientSecret: "assigned"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ProvisionedFromProto(wire(t, ProvisionedToProto(&tc.in)))
			if got == nil || *got != tc.in {
				t.Fatalf("got %+v (secret %q), want %+v (secret %q)", got, secretOf(got), tc.in, tc.in.ClientSecret)
			}
		})
	}
	full := sdk.Provisioned{ClientID: "a", ClientSecret: "b"}
	requireAllSet(t, full)
	m := ProvisionedToProto(&full).ProtoReflect()
	for i := range m.Descriptor().Fields().Len() {
		if f := m.Descriptor().Fields().Get(i); !m.Has(f) {
			t.Errorf("ProvisionedToProto leaves %s unset", f.Name())
		}
	}
}

func secretOf(p *sdk.Provisioned) string {
	if p == nil {
		return ""
	}
	return p.ClientSecret
}

func TestUpstreamPageRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   sdk.UpstreamPage
	}{
		{"empty last page", sdk.UpstreamPage{}},
		{"empty page with a paging token", sdk.UpstreamPage{Next: "opaque/token==?&"}},
		{"full", fullUpstreamPage()},
		{"last page", sdk.UpstreamPage{Clients: []sdk.UpstreamClient{{ID: "only"}}}},
		{"extreme values", sdk.UpstreamPage{Clients: []sdk.UpstreamClient{{ID: "x", Revision: 1<<63 - 1, CreatedAt: -1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := UpstreamPageValueFromProto(wire(t, UpstreamPageToProto(&tc.in)))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, "upstream page", tc.in, got)
		})
	}
	if got, err := UpstreamPageValueFromProto(wire(t, UpstreamPageToProto(&sdk.UpstreamPage{Clients: []sdk.UpstreamClient{}}))); err != nil || got.Clients != nil {
		t.Errorf("empty list: got %#v, %v; want nil clients", got.Clients, err)
	}
	if _, err := UpstreamPageValueFromProto(nil); err == nil {
		t.Error("UpstreamPageValueFromProto(nil): no error")
	}
	if _, err := UpstreamPageFromProto(&pb.UpstreamPage{Clients: []*pb.ProvisionedClient{{ClientId: "a"}, nil}}); err == nil {
		t.Error("a page with a missing element: no error")
	}
	page := fullUpstreamPage()
	requireAllSet(t, page)
	requireAllSet(t, page.Clients[0])
	for _, msg := range []proto.Message{UpstreamPageToProto(&page), UpstreamClientToProto(&page.Clients[0])} {
		m := msg.ProtoReflect()
		for i := range m.Descriptor().Fields().Len() {
			if f := m.Descriptor().Fields().Get(i); !m.Has(f) {
				t.Errorf("%s: converter leaves %s unset", m.Descriptor().Name(), f.Name())
			}
		}
	}
}

func TestUpstreamNilInNilOut(t *testing.T) {
	if p, err := ProvisionToProto(nil); p != nil || err != nil {
		t.Error("ProvisionToProto(nil)")
	}
	if p, err := ProvisionFromProto(nil); p != nil || err != nil {
		t.Error("ProvisionFromProto(nil)")
	}
	if ProvisionedToProto(nil) != nil || ProvisionedFromProto(nil) != nil {
		t.Error("Provisioned converters of nil")
	}
	if UpstreamClientToProto(nil) != nil || UpstreamClientFromProto(nil) != nil {
		t.Error("UpstreamClient converters of nil")
	}
	if p, err := UpstreamPageFromProto(nil); p != nil || err != nil || UpstreamPageToProto(nil) != nil {
		t.Error("UpstreamPage converters of nil")
	}
}

// TestUpstreamErrorsCross: what an upstream answers crosses the wire as
// itself: a refusal keeps its code, description and HTTP status (so the
// registering client gets the right RFC 7591 §3.2.2 error), "no such
// client" stays errors.Is(sdk.ErrNotFound) (a delete counts it as done),
// and an outage stays errors.Is(sdk.ErrUnavailable) (503, Retry-After),
// wrapped or not, without the upstream's internals.
func TestUpstreamErrorsCross(t *testing.T) {
	refusal := sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[0]: refused by the authorization server")
	for _, tc := range []struct {
		name     string
		in       error
		sdkError *sdk.Error
		is       error
	}{
		{"refusal", refusal, refusal, nil},
		{"wrapped refusal", fmt.Errorf("hydra: POST /admin/clients: %w", refusal), refusal, nil},
		{"refusal with internal cause", sdk.ErrInvalidClientMetadata().WithDescription("scope: refused").WithCause(errors.New("hydra said: internal 42")),
			sdk.ErrInvalidClientMetadata().WithDescription("scope: refused"), nil},
		{"not found", sdk.ErrNotFound, nil, sdk.ErrNotFound},
		{"wrapped not found", fmt.Errorf("hydra: client %q: %w", "c1", sdk.ErrNotFound), nil, sdk.ErrNotFound},
		{"unavailable", sdk.ErrUnavailable, nil, sdk.ErrUnavailable},
		{"wrapped unavailable", fmt.Errorf("hydra: dial tcp 127.0.0.1:4445: %w", sdk.ErrUnavailable), nil, sdk.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := overWire(t, tc.in)
			if tc.sdkError != nil {
				requireSDKError(t, got, tc.sdkError)
				if strings.Contains(got.Error(), "hydra") {
					t.Errorf("upstream internals crossed: %v", got)
				}
				return
			}
			if !errors.Is(got, tc.is) {
				t.Fatalf("errors.Is(%v, %v) is false", got, tc.is)
			}
			if _, ok := sdk.AsError(got); ok {
				t.Fatalf("a sentinel became an *sdk.Error: %v", got)
			}
		})
	}
}

package convert

import (
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// ProvisionToProto converts one write of the upstream kind. The client
// crosses without credentials whatever p holds (the hashes RedactedHash
// when set, no sealed secret, as in RegistrationContext.ResponseView): the
// plaintext client secret of this request, p.ClientSecret, is the one
// credential an upstream plugin receives. nil in, nil out.
func ProvisionToProto(p *sdk.Provision) (*pb.Provision, error) {
	if p == nil {
		return nil, nil
	}
	view := sdk.RegistrationContext{Client: p.Client}.ResponseView().Client
	client, err := ClientToProto(&view)
	if err != nil {
		return nil, err
	}
	return &pb.Provision{
		Operation:    string(p.Operation),
		Client:       client,
		ClientSecret: p.ClientSecret,
		Revision:     p.Revision,
	}, nil
}

// ProvisionFromProto converts one write of the upstream kind. nil in, nil
// out.
func ProvisionFromProto(p *pb.Provision) (*sdk.Provision, error) {
	if p == nil {
		return nil, nil
	}
	out := &sdk.Provision{
		Operation:    sdk.Operation(p.GetOperation()),
		ClientSecret: p.GetClientSecret(),
		Revision:     p.GetRevision(),
	}
	c, err := ClientFromProto(p.GetClient())
	if err != nil {
		return nil, err
	}
	if c != nil {
		out.Client = *c
	}
	return out, nil
}

// ProvisionValueFromProto is ProvisionFromProto for a message that must be
// present, such as the request of an Upstream.Create call.
func ProvisionValueFromProto(p *pb.Provision) (sdk.Provision, error) {
	if p == nil {
		return sdk.Provision{}, fmt.Errorf("missing provision")
	}
	out, err := ProvisionFromProto(p)
	if err != nil {
		return sdk.Provision{}, err
	}
	return *out, nil
}

// ProvisionedToProto converts what the authorization server assigned in a
// write; the client secret it assigned crosses in plaintext. nil in, nil
// out.
func ProvisionedToProto(p *sdk.Provisioned) *pb.Provisioned {
	if p == nil {
		return nil
	}
	return &pb.Provisioned{ClientId: p.ClientID, ClientSecret: p.ClientSecret}
}

// ProvisionedFromProto converts what the authorization server assigned in
// a write. nil in, nil out.
func ProvisionedFromProto(p *pb.Provisioned) *sdk.Provisioned {
	if p == nil {
		return nil
	}
	return &sdk.Provisioned{ClientID: p.GetClientId(), ClientSecret: p.GetClientSecret()}
}

// UpstreamClientToProto converts one listed upstream client. nil in, nil
// out.
func UpstreamClientToProto(c *sdk.UpstreamClient) *pb.ProvisionedClient {
	if c == nil {
		return nil
	}
	return &pb.ProvisionedClient{ClientId: c.ID, Revision: c.Revision, CreatedAt: c.CreatedAt}
}

// UpstreamClientFromProto converts one listed upstream client. nil in, nil
// out.
func UpstreamClientFromProto(p *pb.ProvisionedClient) *sdk.UpstreamClient {
	if p == nil {
		return nil
	}
	return &sdk.UpstreamClient{ID: p.GetClientId(), Revision: p.GetRevision(), CreatedAt: p.GetCreatedAt()}
}

// UpstreamPageToProto converts one page of Upstream.List. An empty list of
// clients crosses as none. nil in, nil out.
func UpstreamPageToProto(page *sdk.UpstreamPage) *pb.UpstreamPage {
	if page == nil {
		return nil
	}
	out := &pb.UpstreamPage{Next: page.Next}
	if len(page.Clients) > 0 {
		out.Clients = make([]*pb.ProvisionedClient, len(page.Clients))
		for i := range page.Clients {
			out.Clients[i] = UpstreamClientToProto(&page.Clients[i])
		}
	}
	return out
}

// UpstreamPageFromProto converts one page of Upstream.List; a missing
// element is an error, and no clients is a nil slice. nil in, nil out.
func UpstreamPageFromProto(p *pb.UpstreamPage) (*sdk.UpstreamPage, error) {
	if p == nil {
		return nil, nil
	}
	out := &sdk.UpstreamPage{Next: p.GetNext()}
	if list := p.GetClients(); len(list) > 0 {
		out.Clients = make([]sdk.UpstreamClient, len(list))
		for i, c := range list {
			if c == nil {
				return nil, fmt.Errorf("clients[%d]: missing upstream client", i)
			}
			out.Clients[i] = *UpstreamClientFromProto(c)
		}
	}
	return out, nil
}

// UpstreamPageValueFromProto is UpstreamPageFromProto for a message that
// must be present, such as the answer of an Upstream.List call.
func UpstreamPageValueFromProto(p *pb.UpstreamPage) (sdk.UpstreamPage, error) {
	if p == nil {
		return sdk.UpstreamPage{}, fmt.Errorf("missing upstream page")
	}
	out, err := UpstreamPageFromProto(p)
	if err != nil {
		return sdk.UpstreamPage{}, err
	}
	return *out, nil
}

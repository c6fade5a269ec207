package convert

import (
	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// CredentialsToProto converts issued credentials. nil in, nil out; zero
// credentials are omitted as well.
func CredentialsToProto(c *sdk.Credentials) *pb.Credentials {
	if c == nil || *c == (sdk.Credentials{}) {
		return nil
	}
	return &pb.Credentials{
		ClientSecret:            c.ClientSecret,
		RegistrationAccessToken: c.RegistrationAccessToken,
	}
}

// CredentialsFromProto converts issued credentials. nil in, nil out.
func CredentialsFromProto(p *pb.Credentials) *sdk.Credentials {
	if p == nil {
		return nil
	}
	return &sdk.Credentials{
		ClientSecret:            p.GetClientSecret(),
		RegistrationAccessToken: p.GetRegistrationAccessToken(),
	}
}

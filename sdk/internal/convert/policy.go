package convert

import (
	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// PolicyToProto converts a profile's policy. nil in, nil out.
func PolicyToProto(p *sdk.Policy) *pb.Policy {
	if p == nil {
		return nil
	}
	return &pb.Policy{
		GrantTypes:           cloneStrings(p.GrantTypes),
		ResponseTypes:        cloneStrings(p.ResponseTypes),
		AuthMethods:          cloneStrings(p.AuthMethods),
		Scopes:               cloneStrings(p.Scopes),
		DefaultScope:         p.DefaultScope,
		RedirectUriMode:      p.RedirectURIMode,
		AllowHttpRedirects:   p.AllowHTTPRedirects,
		SigningAlgs:          cloneStrings(p.SigningAlgs),
		KeepUnknownMetadata:  p.KeepUnknownMetadata,
		SecretEncryption:     p.SecretEncryption,
		MaxLifetime:          p.MaxLifetime,
		ClientSecretLifetime: p.ClientSecretLifetime,
		TokenRotation:        p.TokenRotation,

		InferNativeApplicationType: p.InferNativeApplicationType,
	}
}

// PolicyFromProto converts a profile's policy. nil in, nil out.
func PolicyFromProto(p *pb.Policy) *sdk.Policy {
	if p == nil {
		return nil
	}
	return &sdk.Policy{
		GrantTypes:           cloneStrings(p.GetGrantTypes()),
		ResponseTypes:        cloneStrings(p.GetResponseTypes()),
		AuthMethods:          cloneStrings(p.GetAuthMethods()),
		Scopes:               cloneStrings(p.GetScopes()),
		DefaultScope:         p.GetDefaultScope(),
		RedirectURIMode:      p.GetRedirectUriMode(),
		AllowHTTPRedirects:   p.GetAllowHttpRedirects(),
		SigningAlgs:          cloneStrings(p.GetSigningAlgs()),
		KeepUnknownMetadata:  p.GetKeepUnknownMetadata(),
		SecretEncryption:     p.GetSecretEncryption(),
		MaxLifetime:          p.GetMaxLifetime(),
		ClientSecretLifetime: p.GetClientSecretLifetime(),
		TokenRotation:        p.GetTokenRotation(),

		InferNativeApplicationType: p.GetInferNativeApplicationType(),
	}
}

// cloneStrings copies a list; empty stays nil (protobuf does not tell an
// empty list from an absent one).
func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

package convert

import (
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// InitialAccessTokenToProto converts an initial access token record. nil
// in, nil out.
func InitialAccessTokenToProto(t *sdk.InitialAccessToken) *pb.InitialAccessToken {
	if t == nil {
		return nil
	}
	return &pb.InitialAccessToken{
		Id:          t.ID,
		Hash:        t.Hash,
		Profile:     t.Profile,
		Description: t.Description,
		CreatedAt:   t.CreatedAt,
		ExpiresAt:   t.ExpiresAt,
		MaxUses:     t.MaxUses,
		Uses:        t.Uses,
		Revoked:     t.Revoked,
		Revision:    t.Revision,
	}
}

// InitialAccessTokenFromProto converts an initial access token record. nil
// in, nil out.
func InitialAccessTokenFromProto(p *pb.InitialAccessToken) *sdk.InitialAccessToken {
	if p == nil {
		return nil
	}
	return &sdk.InitialAccessToken{
		ID:          p.GetId(),
		Hash:        p.GetHash(),
		Profile:     p.GetProfile(),
		Description: p.GetDescription(),
		CreatedAt:   p.GetCreatedAt(),
		ExpiresAt:   p.GetExpiresAt(),
		MaxUses:     p.GetMaxUses(),
		Uses:        p.GetUses(),
		Revoked:     p.GetRevoked(),
		Revision:    p.GetRevision(),
	}
}

// InitialAccessTokenValueFromProto is InitialAccessTokenFromProto for a
// message that must be present, such as the token of a store answer or
// request.
func InitialAccessTokenValueFromProto(p *pb.InitialAccessToken) (sdk.InitialAccessToken, error) {
	if p == nil {
		return sdk.InitialAccessToken{}, fmt.Errorf("missing initial access token record")
	}
	return *InitialAccessTokenFromProto(p), nil
}

// InitialAccessTokensToProto converts a list of records. nil or empty in,
// nil out.
func InitialAccessTokensToProto(list []sdk.InitialAccessToken) []*pb.InitialAccessToken {
	if len(list) == 0 {
		return nil
	}
	out := make([]*pb.InitialAccessToken, len(list))
	for i := range list {
		out[i] = InitialAccessTokenToProto(&list[i])
	}
	return out
}

// InitialAccessTokensFromProto converts a list of records; a missing
// element is an error. An empty list is a nil slice.
func InitialAccessTokensFromProto(list []*pb.InitialAccessToken) ([]sdk.InitialAccessToken, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]sdk.InitialAccessToken, len(list))
	for i, p := range list {
		t, err := InitialAccessTokenValueFromProto(p)
		if err != nil {
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
		out[i] = t
	}
	return out, nil
}

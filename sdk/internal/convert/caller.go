package convert

import (
	"encoding/json"
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// CallerToProto converts the caller. nil in, nil out.
func CallerToProto(c *sdk.Caller) (*pb.Caller, error) {
	if c == nil {
		return nil, nil
	}
	claims, err := claimsToJSON(c.Claims)
	if err != nil {
		return nil, fmt.Errorf("caller claims: %w", err)
	}
	return &pb.Caller{
		Method:     string(c.Method),
		Profile:    c.Profile,
		TokenId:    c.TokenID,
		Subject:    c.Subject,
		ClaimsJson: claims,
		RemoteAddr: c.RemoteAddr,
	}, nil
}

// CallerFromProto converts the caller. nil in, nil out.
func CallerFromProto(p *pb.Caller) (*sdk.Caller, error) {
	if p == nil {
		return nil, nil
	}
	claims, err := claimsFromJSON(p.GetClaimsJson())
	if err != nil {
		return nil, fmt.Errorf("caller claims: %w", err)
	}
	return &sdk.Caller{
		Method:     sdk.AuthMethod(p.GetMethod()),
		Profile:    p.GetProfile(),
		TokenID:    p.GetTokenId(),
		Subject:    p.GetSubject(),
		Claims:     claims,
		RemoteAddr: p.GetRemoteAddr(),
	}, nil
}

// claimsToJSON encodes a claim set. A nil map is empty bytes, so that "no
// claims" and "an empty claim set" stay distinct.
func claimsToJSON(claims map[string]any) ([]byte, error) {
	if claims == nil {
		return nil, nil
	}
	return json.Marshal(claims)
}

// claimsFromJSON decodes a claim set the way encoding/json and JWT libraries
// do: numbers become float64. Empty bytes are a nil map.
func claimsFromJSON(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		return nil, err
	}
	if claims == nil { // "null"
		return nil, nil
	}
	return claims, nil
}

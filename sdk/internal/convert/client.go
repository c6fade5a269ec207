package convert

import (
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// MetadataToJSON returns m as the RFC 7591 JSON object that crosses the
// wire. It calls Metadata.MarshalJSON directly, so extension members keep
// their bytes (compacted) rather than being re-escaped.
func MetadataToJSON(m sdk.Metadata) ([]byte, error) {
	b, err := m.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode client metadata: %w", err)
	}
	return b, nil
}

// MetadataFromJSON decodes metadata received from the wire. Empty input is
// the empty object.
func MetadataFromJSON(b []byte) (sdk.Metadata, error) {
	var m sdk.Metadata
	if len(b) == 0 {
		return m, nil
	}
	// UnmarshalJSON directly: json.Unmarshal would scan the input once
	// more before handing it over.
	if err := m.UnmarshalJSON(b); err != nil {
		return sdk.Metadata{}, fmt.Errorf("decode client metadata: %w", err)
	}
	return m, nil
}

// ClientToProto converts a client record. nil in, nil out.
func ClientToProto(c *sdk.Client) (*pb.Client, error) {
	if c == nil {
		return nil, nil
	}
	md, err := MetadataToJSON(c.Metadata)
	if err != nil {
		return nil, fmt.Errorf("client %q: %w", c.ID, err)
	}
	return &pb.Client{
		Id:                    c.ID,
		MetadataJson:          md,
		IssuedAt:              c.IssuedAt,
		SecretHash:            c.SecretHash,
		SecretSealed:          cloneBytes(c.SecretSealed),
		SecretExpiresAt:       c.SecretExpiresAt,
		RegistrationTokenHash: c.RegistrationTokenHash,
		Profile:               c.Profile,
		Revision:              c.Revision,
		UpdatedAt:             c.UpdatedAt,
	}, nil
}

// ClientFromProto converts a client record. nil in, nil out.
func ClientFromProto(p *pb.Client) (*sdk.Client, error) {
	if p == nil {
		return nil, nil
	}
	md, err := MetadataFromJSON(p.GetMetadataJson())
	if err != nil {
		return nil, fmt.Errorf("client %q: %w", p.GetId(), err)
	}
	return &sdk.Client{
		ID:                    p.GetId(),
		Metadata:              md,
		IssuedAt:              p.GetIssuedAt(),
		SecretHash:            p.GetSecretHash(),
		SecretSealed:          cloneBytes(p.GetSecretSealed()),
		SecretExpiresAt:       p.GetSecretExpiresAt(),
		RegistrationTokenHash: p.GetRegistrationTokenHash(),
		Profile:               p.GetProfile(),
		Revision:              p.GetRevision(),
		UpdatedAt:             p.GetUpdatedAt(),
	}, nil
}

// ClientValueFromProto is ClientFromProto for a message that must be
// present, such as the client of a store answer.
func ClientValueFromProto(p *pb.Client) (sdk.Client, error) {
	if p == nil {
		return sdk.Client{}, fmt.Errorf("missing client record")
	}
	c, err := ClientFromProto(p)
	if err != nil {
		return sdk.Client{}, err
	}
	return *c, nil
}

// cloneBytes copies b so that a message and a value never share memory;
// empty stays nil.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

package pipeline

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/registrar-dcr/registrar/sdk"
)

// Fetcher reads a document from a URL a client gave (server/fetch
// implements it with the SSRF defences of DESIGN §4).
type Fetcher interface {
	Get(ctx context.Context, rawURL string) ([]byte, error)
}

// checkRemote fetches and checks what the accepted metadata points at
// (RFC 7591 §2, OpenID Connect DCR 1.0 §5): a jwks_uri must serve a JWK
// Set of public keys, and a sector_identifier_uri a JSON array holding
// every redirect URI. Without a Fetcher, nothing is fetched.
func (p *Pipeline) checkRemote(ctx context.Context, rc sdk.RegistrationContext) error {
	if p.Fetch == nil {
		return nil
	}
	md := rc.Client.Metadata
	if md.JWKSURI != "" {
		body, err := p.Fetch.Get(ctx, md.JWKSURI)
		if err != nil {
			return fetchError(ctx, "jwks_uri", err)
		}
		if _, err := sdk.CheckJWKS(body, rc.Policy); err != nil {
			desc := "is not a JWK Set of public keys"
			if e, ok := sdk.AsError(err); ok && e.Description != "" {
				desc = "the document it serves is not valid: " + e.Description
			}
			return sdk.ErrInvalidClientMetadata().WithDescription("jwks_uri: %s", desc)
		}
	}
	if md.SectorIdentifierURI != "" {
		body, err := p.Fetch.Get(ctx, md.SectorIdentifierURI)
		if err != nil {
			return fetchError(ctx, "sector_identifier_uri", err)
		}
		var uris []string
		if err := json.Unmarshal(body, &uris); err != nil {
			return sdk.ErrInvalidClientMetadata().WithDescription("sector_identifier_uri: must serve a JSON array of redirect URIs")
		}
		for i, u := range md.RedirectURIs {
			if !slices.Contains(uris, u) {
				return sdk.ErrInvalidClientMetadata().WithDescription("sector_identifier_uri: does not list redirect_uris[%d]", i)
			}
		}
	}
	return nil
}

// fetchError answers a document the caller pointed at that cannot be
// fetched: the caller's mistake (400), unless the request itself was
// canceled or ran out of time.
func fetchError(ctx context.Context, field string, err error) error {
	if ctx.Err() != nil {
		return sdk.ErrTemporarilyUnavailable().WithCause(err)
	}
	return sdk.ErrInvalidClientMetadata().WithDescription("%s: cannot be fetched: %s", field, err.Error()).WithCause(err)
}

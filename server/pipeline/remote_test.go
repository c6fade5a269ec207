package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// mapFetcher serves documents from a map; other URLs fail.
type mapFetcher map[string]string

func (m mapFetcher) Get(_ context.Context, url string) ([]byte, error) {
	if doc, ok := m[url]; ok {
		return []byte(doc), nil
	}
	return nil, errors.New("address not allowed")
}

func TestCheckRemote(t *testing.T) {
	const ecKey = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`
	const ecPrivate = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}`
	docs := mapFetcher{
		"https://keys.example.com/good":    `{"keys":[` + ecKey + `]}`,
		"https://keys.example.com/private": `{"keys":[` + ecPrivate + `]}`,
		"https://keys.example.com/oct":     `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`,
		"https://keys.example.com/html":    `<html>`,
		"https://sector.example.com/both":  `["https://a.example.com/cb", "https://b.example.com/cb"]`,
		"https://sector.example.com/one":   `["https://a.example.com/cb"]`,
		"https://sector.example.com/obj":   `{"redirect_uris": ["https://a.example.com/cb"]}`,
	}
	redirects := []string{"https://a.example.com/cb", "https://b.example.com/cb"}
	tests := []struct {
		name     string
		md       sdk.Metadata
		noFetch  bool
		canceled bool
		wantDesc string // "" means accepted
	}{
		{name: "nothing to fetch", md: sdk.Metadata{RedirectURIs: redirects}},
		{name: "jwks_uri with a public key", md: sdk.Metadata{JWKSURI: "https://keys.example.com/good"}},
		{name: "jwks_uri with a private key", md: sdk.Metadata{JWKSURI: "https://keys.example.com/private"}, wantDesc: "jwks_uri: the document it serves is not valid"},
		{name: "jwks_uri with a symmetric key", md: sdk.Metadata{JWKSURI: "https://keys.example.com/oct"}, wantDesc: "jwks_uri: the document it serves is not valid"},
		{name: "jwks_uri not JSON", md: sdk.Metadata{JWKSURI: "https://keys.example.com/html"}, wantDesc: "jwks_uri: the document it serves is not valid"},
		{name: "jwks_uri not fetchable", md: sdk.Metadata{JWKSURI: "https://127.0.0.1/keys"}, wantDesc: "jwks_uri: cannot be fetched: address not allowed"},
		{name: "sector lists every redirect", md: sdk.Metadata{RedirectURIs: redirects, SectorIdentifierURI: "https://sector.example.com/both"}},
		{name: "sector misses one", md: sdk.Metadata{RedirectURIs: redirects, SectorIdentifierURI: "https://sector.example.com/one"}, wantDesc: "sector_identifier_uri: does not list redirect_uris[1]"},
		{name: "sector not an array", md: sdk.Metadata{RedirectURIs: redirects, SectorIdentifierURI: "https://sector.example.com/obj"}, wantDesc: "sector_identifier_uri: must serve a JSON array"},
		{name: "sector not fetchable", md: sdk.Metadata{RedirectURIs: redirects, SectorIdentifierURI: "https://10.0.0.1/s"}, wantDesc: "sector_identifier_uri: cannot be fetched"},
		{name: "no fetcher: nothing fetched", md: sdk.Metadata{JWKSURI: "https://127.0.0.1/keys"}, noFetch: true},
		{name: "request canceled: unavailable, not the caller's fault", md: sdk.Metadata{JWKSURI: "https://127.0.0.1/keys"}, canceled: true, wantDesc: "the service is temporarily unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pipeline{Fetch: docs}
			if tc.noFetch {
				p.Fetch = nil
			}
			rc := sdk.RegistrationContext{Client: sdk.Client{Metadata: tc.md},
				Policy: sdk.Policy{SigningAlgs: []string{"ES256", "RS256"}}}
			ctx, cancel := context.WithCancel(context.Background())
			if tc.canceled {
				cancel()
			}
			defer cancel()
			err := p.checkRemote(ctx, rc)
			if tc.wantDesc == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			e, ok := sdk.AsError(err)
			if tc.canceled {
				if !ok || e.Status != 503 {
					t.Fatalf("err = %v, want 503", err)
				}
				return
			}
			if !ok || e.Code != sdk.CodeInvalidClientMetadata || e.Status != 400 || !strings.HasPrefix(e.Description, tc.wantDesc) {
				t.Fatalf("err = %v, want invalid_client_metadata %q", err, tc.wantDesc)
			}
		})
	}
}

package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/fetch"
)

// newFetcher builds the one outbound fetcher of the server (DESIGN §4).
func newFetcher(c config.Fetch) *fetch.Fetcher {
	opts := fetch.Options{
		AllowHTTP:    c.AllowHTTP,
		AllowPrivate: c.AllowPrivateAddresses,
		Timeout:      c.Timeout,
		MaxBytes:     c.MaxBytes,
		CacheTTL:     c.CacheTTL,
		UserAgent:    "registrar",
	}
	if c.CAFile != "" {
		// The configuration checked that the file holds a certificate.
		if pem, err := os.ReadFile(c.CAFile); err == nil {
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			opts.RootCAs = pool
		}
	}
	if c.CacheTTL == 0 {
		opts.CacheTTL = -1 // cache_ttl = "0s" turns the cache off
	}
	return fetch.New(opts)
}

// fetchFunc adapts the fetcher to the key sets of package auth.
func fetchFunc(f *fetch.Fetcher) auth.FetchFunc {
	return func(ctx context.Context, url string, refresh bool) ([]byte, error) {
		if refresh {
			return f.Refresh(ctx, url)
		}
		return f.Get(ctx, url)
	}
}

// bearerVerifier builds the verifier of a bearer_jwt block.
func bearerVerifier(b *config.BearerJWT, f *fetch.Fetcher) (*auth.BearerVerifier, error) {
	cfg := auth.BearerConfig{
		Issuer:        b.Issuer,
		JWKSURI:       b.JWKSURI,
		Fetch:         fetchFunc(f),
		Audiences:     b.Audiences,
		RequiredScope: b.RequiredScope,
		Algorithms:    b.Algorithms,
		Types:         b.TokenTypes,
		Leeway:        b.ClockSkew,
	}
	if b.ClockSkew == 0 {
		cfg.Leeway = -1 // clock_skew = "0s" means none
	}
	if b.JWKS != "" {
		ks, err := auth.NewInlineKeySet([]byte(b.JWKS))
		if err != nil {
			return nil, fmt.Errorf("jwks: %w", err)
		}
		cfg.Keys = ks
	}
	return auth.NewBearerVerifier(cfg)
}

// statementVerifier builds the verifier of a software_statement block;
// used jtis are remembered in the store.
func statementVerifier(ss *config.SoftwareStatement, store sdk.Store, f *fetch.Fetcher) (*auth.SoftwareStatementVerifier, error) {
	cfg := auth.SoftwareStatementConfig{
		MaxAge:     ss.MaxAge,
		RequireJTI: ss.RequireJTI,
		Replay:     store.MarkJTIUsed,
	}
	for _, ti := range ss.Issuers {
		var ks *auth.KeySet
		var err error
		if ti.JWKS != "" {
			ks, err = auth.NewInlineKeySet([]byte(ti.JWKS))
		} else {
			ks, err = auth.NewRemoteKeySet(ti.JWKSURI, fetchFunc(f), auth.KeySetOptions{})
		}
		if err != nil {
			return nil, fmt.Errorf("issuer %q: %w", ti.Issuer, err)
		}
		cfg.TrustedIssuers = append(cfg.TrustedIssuers, auth.TrustedIssuer{Issuer: ti.Issuer, Keys: ks,
			Algorithms: ti.Algorithms, Audiences: ti.Audiences})
	}
	return auth.NewSoftwareStatementVerifier(cfg)
}

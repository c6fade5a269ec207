package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{name: "empty", header: "", ok: false},
		{name: "bearer", header: "Bearer abc.DEF-123_~+/=", want: "abc.DEF-123_~+/=", ok: true},
		{name: "scheme case-insensitive", header: "bEaReR tok", want: "tok", ok: true},
		{name: "extra spaces", header: "Bearer   tok", want: "tok", ok: true},
		{name: "basic scheme", header: "Basic dXNlcjpwYXNz", ok: false},
		{name: "no token", header: "Bearer ", ok: false},
		{name: "no space", header: "Bearertok", ok: false},
		{name: "space inside", header: "Bearer to ken", ok: false},
		{name: "quote", header: `Bearer "tok"`, ok: false},
		{name: "too long", header: "Bearer " + strings.Repeat("a", DefaultMaxTokenBytes+1), ok: false},
		{name: "longest", header: "Bearer " + strings.Repeat("a", DefaultMaxTokenBytes), want: strings.Repeat("a", DefaultMaxTokenBytes), ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := BearerToken(tc.header)
			if ok != tc.ok || got != tc.want {
				t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	tokens := []StaticToken{
		{Name: "ci", Profile: "partners", Token: "ci-token-0123456789abcdef0123456789"},
		{Name: "ops", Profile: "internal", Token: "ops-token-0123456789abcdef012345678"},
	}
	store := memory.New()
	now := time.Unix(1_800_000_000, 0)
	var last sdk.InitialAccessToken
	issued := func(profile string, lifetime time.Duration, uses int64) string {
		plain, rec, err := IssueToken(ctx, store, TokenRequest{Profile: profile, Lifetime: lifetime, MaxUses: uses}, now.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		last = rec
		return plain
	}
	good := issued("partners", time.Hour, 5)
	expired := issued("partners", 30*time.Second, 0)
	other := issued("internal", time.Hour, 0) // internal does not accept issued tokens
	revoked := issued("partners", time.Hour, 0)
	if err := RevokeToken(ctx, store, last.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, anonymous, header string
		wantProfile, wantID     string
		wantMethod              sdk.AuthMethod
		wantErr                 error
	}{
		{name: "first static token", header: "Bearer " + tokens[0].Token, wantProfile: "partners", wantID: "ci", wantMethod: sdk.AuthInitialAccessToken},
		{name: "second static token", header: "Bearer " + tokens[1].Token, wantProfile: "internal", wantID: "ops", wantMethod: sdk.AuthInitialAccessToken},
		{name: "issued token", header: "Bearer " + good, wantProfile: "partners", wantID: "iat_", wantMethod: sdk.AuthInitialAccessToken},
		{name: "issued token, expired", header: "Bearer " + expired, wantErr: sdk.ErrInvalidToken()},
		{name: "issued token, revoked", header: "Bearer " + revoked, wantErr: sdk.ErrInvalidToken()},
		{name: "issued token of a profile that does not accept them", header: "Bearer " + other, wantErr: sdk.ErrInvalidToken()},
		{name: "unknown token", header: "Bearer nope-0123456789abcdef0123456789", wantErr: sdk.ErrInvalidToken()},
		{name: "prefix of a token", header: "Bearer " + tokens[0].Token[:20], wantErr: sdk.ErrInvalidToken()},
		{name: "no credential, closed", header: "", wantErr: sdk.ErrInvalidToken()},
		{name: "no credential, open", anonymous: "mcp", header: "", wantProfile: "mcp", wantMethod: sdk.AuthAnonymous},
		{name: "bad token with open profile is still refused", anonymous: "mcp", header: "Bearer wrong", wantErr: sdk.ErrInvalidToken()},
		{name: "basic scheme", header: "Basic Y2k6eA==", wantErr: sdk.ErrInvalidToken()},
		{name: "JWT-shaped token without JWT profiles is looked up as opaque", header: "Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln", wantErr: sdk.ErrInvalidToken()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := New(Options{Anonymous: tc.anonymous, Static: tokens, Store: store,
				IssuedTokenProfiles: []string{"partners"}, Now: func() time.Time { return now }})
			p, err := a.Authenticate(ctx, tc.header)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if e, _ := sdk.AsError(err); e.Status != 401 {
					t.Errorf("status = %d", e.Status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := p.Caller
			if c.Profile != tc.wantProfile || !strings.HasPrefix(c.TokenID, tc.wantID) || c.Method != tc.wantMethod {
				t.Errorf("caller = %+v", c)
			}
		})
	}
	if s := tokens[0].String(); strings.Contains(s, tokens[0].Token) {
		t.Errorf("String() reveals the token: %s", s)
	}
}

// TestConsume: uses are counted atomically; a released use comes back.
func TestConsume(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	now := time.Now()
	plain, _, err := IssueToken(ctx, store, TokenRequest{Profile: "p", MaxUses: 1}, now)
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Store: store, IssuedTokenProfiles: []string{"p"}})

	// Two principals authenticated before either consumed.
	p1, err1 := a.Authenticate(ctx, "Bearer "+plain)
	p2, err2 := a.Authenticate(ctx, "Bearer "+plain)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	release, err := p1.Consume(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2.Consume(ctx); !errors.Is(err, sdk.ErrInvalidToken()) {
		t.Fatalf("second use: err = %v, want invalid_token", err)
	}
	release(ctx) // the registration failed after all
	p3, err := a.Authenticate(ctx, "Bearer "+plain)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if _, err := p3.Consume(ctx); err != nil {
		t.Fatalf("use after release: %v", err)
	}
	if _, err := a.Authenticate(ctx, "Bearer "+plain); !errors.Is(err, sdk.ErrInvalidToken()) {
		t.Fatalf("used-up token: err = %v", err)
	}

	// Many concurrent uses of a 3-use token: exactly 3 succeed.
	plain, _, _ = IssueToken(ctx, store, TokenRequest{Profile: "p", MaxUses: 3}, now)
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := a.Authenticate(ctx, "Bearer "+plain)
			if err != nil {
				return
			}
			if _, err := p.Consume(ctx); err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 3 {
		t.Fatalf("%d uses of a 3-use token succeeded", ok.Load())
	}
}

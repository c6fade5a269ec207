package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
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
		{name: "too long", header: "Bearer " + strings.Repeat("a", 4097), ok: false},
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
	tokens := []StaticToken{
		{Name: "ci", Profile: "partners", Token: "ci-token-0123456789abcdef0123456789"},
		{Name: "ops", Profile: "internal", Token: "ops-token-0123456789abcdef012345678"},
	}
	tests := []struct {
		name, anonymous, header string
		wantProfile, wantID     string
		wantMethod              sdk.AuthMethod
		wantErr                 bool
	}{
		{name: "first token", header: "Bearer " + tokens[0].Token, wantProfile: "partners", wantID: "ci", wantMethod: sdk.AuthInitialAccessToken},
		{name: "second token", header: "Bearer " + tokens[1].Token, wantProfile: "internal", wantID: "ops", wantMethod: sdk.AuthInitialAccessToken},
		{name: "unknown token", header: "Bearer nope-0123456789abcdef0123456789", wantErr: true},
		{name: "prefix of a token", header: "Bearer " + tokens[0].Token[:20], wantErr: true},
		{name: "no credential, closed", header: "", wantErr: true},
		{name: "no credential, open", anonymous: "mcp", header: "", wantProfile: "mcp", wantMethod: sdk.AuthAnonymous},
		{name: "bad token with open profile is still refused", anonymous: "mcp", header: "Bearer wrong", wantErr: true},
		{name: "basic scheme", header: "Basic Y2k6eA==", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.anonymous, tokens).Authenticate(context.Background(), tc.header)
			if tc.wantErr {
				if !errors.Is(err, sdk.ErrInvalidToken) {
					t.Fatalf("err = %v, want invalid_token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Profile != tc.wantProfile || c.TokenID != tc.wantID || c.Method != tc.wantMethod {
				t.Errorf("caller = %+v", c)
			}
		})
	}
	if s := tokens[0].String(); strings.Contains(s, tokens[0].Token) {
		t.Errorf("String() reveals the token: %s", s)
	}
}

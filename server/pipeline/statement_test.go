package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// fakeVerifier accepts the statement "good" with claims, and refuses any
// other as a bad signature; it counts calls.
type fakeVerifier struct {
	claims   map[string]any
	calls    int
	rechecks int
	spent    int
}

func (f *fakeVerifier) Recheck(_ context.Context, stmt string) (map[string]any, error) {
	f.rechecks++
	if stmt == "revoked-issuer" {
		return nil, sdk.ErrUnapprovedSoftwareStatement().WithDescription("software_statement: the issuer is not trusted")
	}
	return f.claims, nil
}

func (f *fakeVerifier) Spend(context.Context, map[string]any, time.Time) error {
	f.spent++
	return nil
}

func (f *fakeVerifier) Verify(_ context.Context, stmt string, _ time.Time) (map[string]any, error) {
	f.calls++
	if stmt != "good" {
		return nil, sdk.ErrInvalidSoftwareStatement().WithDescription("software_statement: signature is not valid")
	}
	return f.claims, nil
}

// unsignedJWT is a JWT-shaped statement with the given claims.
func unsignedJWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(b) + ".c2ln"
}

func TestVerifyStatement(t *testing.T) {
	claims := map[string]any{"iss": "https://dir.example.com", "client_name": "From statement",
		"redirect_uris": []any{"https://app.example.com/cb"}}
	stored := unsignedJWT(claims)
	tests := []struct {
		name       string
		statements *Statements
		request    sdk.Metadata
		current    *sdk.Client
		wantErr    error
		wantClaims bool
		wantCalls  int
	}{
		{name: "no statement, none required", statements: &Statements{}, request: sdk.Metadata{ClientName: "x"}},
		{name: "no statement, profile without statements", request: sdk.Metadata{ClientName: "x"}},
		{name: "no statement, required", statements: &Statements{Required: true}, wantErr: sdk.ErrInvalidSoftwareStatement()},
		{name: "statement, profile without statements", request: sdk.Metadata{SoftwareStatement: "good"}, wantErr: sdk.ErrUnapprovedSoftwareStatement()},
		{name: "verified", statements: &Statements{}, request: sdk.Metadata{SoftwareStatement: "good", ClientName: "Sent"}, wantClaims: true, wantCalls: 1},
		{name: "refused by the verifier", statements: &Statements{}, request: sdk.Metadata{SoftwareStatement: "bad"}, wantErr: sdk.ErrInvalidSoftwareStatement(), wantCalls: 1},
		{name: "strict, request agrees", statements: &Statements{Strict: true},
			request: sdk.Metadata{SoftwareStatement: "good", ClientName: "From statement", RedirectURIs: []string{"https://app.example.com/cb"}}, wantClaims: true, wantCalls: 1},
		{name: "strict, request omits the member", statements: &Statements{Strict: true}, request: sdk.Metadata{SoftwareStatement: "good"}, wantClaims: true, wantCalls: 1},
		{name: "strict, request differs", statements: &Statements{Strict: true},
			request: sdk.Metadata{SoftwareStatement: "good", ClientName: "Other"}, wantErr: sdk.ErrInvalidSoftwareStatement(), wantCalls: 1},
		{name: "strict, array differs", statements: &Statements{Strict: true},
			request: sdk.Metadata{SoftwareStatement: "good", RedirectURIs: []string{"https://evil.example.com/cb"}}, wantErr: sdk.ErrInvalidSoftwareStatement(), wantCalls: 1},
		{name: "update sends the stored statement back: not verified again", statements: &Statements{Required: true},
			request: sdk.Metadata{SoftwareStatement: stored}, current: &sdk.Client{Metadata: sdk.Metadata{SoftwareStatement: stored}}, wantClaims: true},
		{name: "update sends back a statement whose issuer is no longer trusted", statements: &Statements{},
			request: sdk.Metadata{SoftwareStatement: "revoked-issuer"}, current: &sdk.Client{Metadata: sdk.Metadata{SoftwareStatement: "revoked-issuer"}}, wantErr: sdk.ErrUnapprovedSoftwareStatement()},
		{name: "update with a new statement is verified", statements: &Statements{},
			request: sdk.Metadata{SoftwareStatement: "bad"}, current: &sdk.Client{Metadata: sdk.Metadata{SoftwareStatement: stored}}, wantErr: sdk.ErrInvalidSoftwareStatement(), wantCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fv := &fakeVerifier{claims: claims}
			if tc.statements != nil {
				tc.statements.Verifier = fv
			}
			p := &Pipeline{}
			rc := sdk.RegistrationContext{Request: tc.request, Current: tc.current}
			out, spend, err := p.verifyStatement(context.Background(), &Profile{Statements: tc.statements}, rc)
			if err == nil {
				if err := spend(context.Background()); err != nil {
					t.Fatal(err)
				}
				// Only a statement verified now is spent, and only by spend.
				if want := min(tc.wantCalls, 1); fv.spent != want {
					t.Errorf("spent %d times, want %d", fv.spent, want)
				}
			}
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			}
			if got := out.SoftwareStatementClaims != nil; tc.wantErr == nil && got != tc.wantClaims {
				t.Errorf("claims set = %v, want %v", got, tc.wantClaims)
			}
			if fv.calls != tc.wantCalls {
				t.Errorf("verifier called %d times, want %d", fv.calls, tc.wantCalls)
			}
		})
	}
}

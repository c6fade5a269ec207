package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestChallenge: a 401 for a request without any authentication
// information carries a bare Bearer challenge (RFC 6750 §3.1); a 401 for a
// presented token, and every 403, name the error.
func TestChallenge(t *testing.T) {
	const withError = `Bearer realm="registrar", error="invalid_token", error_description="bad"`
	tests := []struct {
		name   string
		auth   []string
		status int
		want   string
	}{
		{name: "no Authorization header", status: 401, want: `Bearer realm="registrar"`},
		{name: "empty Authorization header", auth: []string{""}, status: 401, want: `Bearer realm="registrar"`},
		{name: "unsupported scheme", auth: []string{"Basic Zm9vOmJhcg=="}, status: 401, want: `Bearer realm="registrar"`},
		{name: "bearer token", auth: []string{"Bearer abc"}, status: 401, want: withError},
		{name: "bearer scheme in lower case", auth: []string{"bearer abc"}, status: 401, want: withError},
		{name: "bearer without a token", auth: []string{"Bearer"}, status: 401, want: withError},
		{name: "basic then bearer", auth: []string{"Basic Zm9v", "Bearer abc"}, status: 401, want: withError},
		{name: "403 without a token", status: 403, want: `Bearer realm="registrar", error="invalid_token", error_description="bad"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/connect/dcr/x", nil)
			for _, v := range tc.auth {
				r.Header.Add("Authorization", v)
			}
			if got := challenge(r, tc.status, "invalid_token", "bad"); got != tc.want {
				t.Errorf("challenge = %q, want %q", got, tc.want)
			}
		})
	}
}

package sdk

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// TestErrorPrototypesFresh: every prototype function returns a new value, so
// a caller that changes the one it got (or refines it) never changes what
// the next caller gets, and errors.Is still matches by code.
func TestErrorPrototypesFresh(t *testing.T) {
	tests := []struct {
		name        string
		proto       func() *Error
		code        string
		status      int
		description string
	}{
		{"ErrInvalidRedirectURI", ErrInvalidRedirectURI, CodeInvalidRedirectURI, http.StatusBadRequest, ""},
		{"ErrInvalidClientMetadata", ErrInvalidClientMetadata, CodeInvalidClientMetadata, http.StatusBadRequest, ""},
		{"ErrInvalidSoftwareStatement", ErrInvalidSoftwareStatement, CodeInvalidSoftwareStatement, http.StatusBadRequest, ""},
		{"ErrUnapprovedSoftwareStatement", ErrUnapprovedSoftwareStatement, CodeUnapprovedSoftwareStatement, http.StatusBadRequest, ""},
		{"ErrInvalidRequest", ErrInvalidRequest, CodeInvalidRequest, http.StatusBadRequest, ""},
		{"ErrInvalidToken", ErrInvalidToken, CodeInvalidToken, http.StatusUnauthorized, ""},
		{"ErrInsufficientScope", ErrInsufficientScope, CodeInsufficientScope, http.StatusForbidden, ""},
		{"ErrAccessDenied", ErrAccessDenied, CodeAccessDenied, http.StatusForbidden, ""},
		{"ErrTooManyRequests", ErrTooManyRequests, CodeTooManyRequests, http.StatusTooManyRequests, ""},
		{"ErrServer", ErrServer, CodeServerError, http.StatusInternalServerError, "internal error"},
		{"ErrTemporarilyUnavailable", ErrTemporarilyUnavailable, CodeTemporarilyUnavailable, http.StatusServiceUnavailable, "the service is temporarily unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.proto()
			refined := first.WithDescription("client_name: %s", "refined").WithCause(errors.New("cause"))
			first.Code, first.Description, first.Status = "changed", "changed", 299
			got := tc.proto()
			if got == first {
				t.Fatal("two calls returned the same pointer")
			}
			if got.Code != tc.code || got.Status != tc.status || got.Description != tc.description || got.Unwrap() != nil {
				t.Errorf("got {%q %d %q %v}, want {%q %d %q <nil>}", got.Code, got.Status, got.Description, got.Unwrap(),
					tc.code, tc.status, tc.description)
			}
			if !errors.Is(fmt.Errorf("wrapped: %w", refined), tc.proto()) {
				t.Errorf("errors.Is(refined, %s()) is false", tc.name)
			}
			if errors.Is(refined, &Error{Code: "other"}) {
				t.Errorf("errors.Is matched another code")
			}
		})
	}
}

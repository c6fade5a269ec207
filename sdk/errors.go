package sdk

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an OAuth error answered to the caller: an RFC 7591 §3.2.2,
// RFC 6749 §5.2, RFC 6750 §3.1 or RFC 7592 code, a human-readable
// description that names the offending field, and the HTTP status.
//
// The prototype functions (ErrInvalidRedirectURI, ...) return a new Error
// each time: refine it with WithDescription, which returns a copy. errors.Is
// matches two Errors when their codes are equal, so
// errors.Is(err, ErrInvalidRedirectURI()) holds for any refinement, wrapped
// or not, in-process or after crossing the plugin wire.
type Error struct {
	// Code is the value of the "error" member of the JSON answer.
	Code string
	// Description is the "error_description" member. It is shown to the
	// caller and must never hold internals, secrets or tokens.
	Description string
	// Status is the HTTP status code of the answer.
	Status int

	cause error
}

// Error codes used by Registrar.
const (
	// RFC 7591 §3.2.2.
	CodeInvalidRedirectURI          = "invalid_redirect_uri"
	CodeInvalidClientMetadata       = "invalid_client_metadata"
	CodeInvalidSoftwareStatement    = "invalid_software_statement"
	CodeUnapprovedSoftwareStatement = "unapproved_software_statement"
	// RFC 6749 §5.2 and §4.1.2.1.
	CodeInvalidRequest         = "invalid_request"
	CodeServerError            = "server_error"
	CodeTemporarilyUnavailable = "temporarily_unavailable"
	// RFC 6750 §3.1.
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
	// Answers for which no RFC defines a code.
	CodeAccessDenied     = "access_denied"
	CodeTooManyRequests  = "too_many_requests"
	CodeMethodNotAllowed = "method_not_allowed"
)

// The prototypes: each function returns a new *Error with the code and
// the HTTP status of one answer, and no description (ErrServer and
// ErrTemporarilyUnavailable carry a generic one). Refine the result with
// WithDescription. They are functions rather than package variables so that
// no code in the process, a plugin's included, can change what another
// caller gets: every call returns a value nobody else holds.

// ErrInvalidRedirectURI is invalid_redirect_uri, 400 (RFC 7591 §3.2.2): the
// value of one or more redirection URIs is invalid.
func ErrInvalidRedirectURI() *Error {
	return &Error{Code: CodeInvalidRedirectURI, Status: http.StatusBadRequest}
}

// ErrInvalidClientMetadata is invalid_client_metadata, 400 (RFC 7591
// §3.2.2): the value of a client metadata member is invalid.
func ErrInvalidClientMetadata() *Error {
	return &Error{Code: CodeInvalidClientMetadata, Status: http.StatusBadRequest}
}

// ErrInvalidSoftwareStatement is invalid_software_statement, 400 (RFC 7591
// §3.2.2): the software statement is invalid.
func ErrInvalidSoftwareStatement() *Error {
	return &Error{Code: CodeInvalidSoftwareStatement, Status: http.StatusBadRequest}
}

// ErrUnapprovedSoftwareStatement is unapproved_software_statement, 400
// (RFC 7591 §3.2.2): the software statement is not approved for use here.
func ErrUnapprovedSoftwareStatement() *Error {
	return &Error{Code: CodeUnapprovedSoftwareStatement, Status: http.StatusBadRequest}
}

// ErrInvalidRequest is invalid_request, 400 (RFC 6749 §5.2, RFC 6750 §3.1):
// the request is malformed.
func ErrInvalidRequest() *Error {
	return &Error{Code: CodeInvalidRequest, Status: http.StatusBadRequest}
}

// ErrInvalidToken is invalid_token, 401 (RFC 6750 §3.1): the access token
// (an initial access token or a registration access token) is missing,
// invalid, expired or revoked.
func ErrInvalidToken() *Error {
	return &Error{Code: CodeInvalidToken, Status: http.StatusUnauthorized}
}

// ErrInsufficientScope is insufficient_scope, 403 (RFC 6750 §3.1): the token
// is valid but does not grant what the request needs.
func ErrInsufficientScope() *Error {
	return &Error{Code: CodeInsufficientScope, Status: http.StatusForbidden}
}

// ErrAccessDenied is access_denied, 403: the caller may not do this (no RFC
// defines the code for registration).
func ErrAccessDenied() *Error {
	return &Error{Code: CodeAccessDenied, Status: http.StatusForbidden}
}

// ErrTooManyRequests is too_many_requests, 429: the caller is rate-limited
// (no RFC defines the code for registration).
func ErrTooManyRequests() *Error {
	return &Error{Code: CodeTooManyRequests, Status: http.StatusTooManyRequests}
}

// ErrServer is server_error, 500 (RFC 6749 §4.1.2.1), described as
// "internal error": the answer to any failure whose cause the caller must
// not see.
func ErrServer() *Error {
	return &Error{Code: CodeServerError, Status: http.StatusInternalServerError, Description: "internal error"}
}

// ErrTemporarilyUnavailable is temporarily_unavailable, 503 (RFC 6749
// §4.1.2.1): the store or a plugin cannot answer now.
func ErrTemporarilyUnavailable() *Error {
	return &Error{Code: CodeTemporarilyUnavailable, Status: http.StatusServiceUnavailable, Description: "the service is temporarily unavailable"}
}

// Error implements error. It holds the code and the description only.
func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// Unwrap returns the internal cause set with WithCause, if any.
func (e *Error) Unwrap() error { return e.cause }

// WithDescription returns a copy of e with a formatted description.
// Descriptions name the field first: "redirect_uris[1]: must use https".
func (e *Error) WithDescription(format string, args ...any) *Error {
	c := *e
	if len(args) == 0 {
		c.Description = format
	} else {
		c.Description = fmt.Sprintf(format, args...)
	}
	return &c
}

// WithCause returns a copy of e that wraps cause. The cause is for logs
// only: it is never sent to the caller and never crosses the plugin wire.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// AsError returns err as an *Error if it is one (or wraps one), and
// ok=false otherwise.
func AsError(err error) (e *Error, ok bool) {
	ok = errors.As(err, &e)
	return e, ok
}

// Store errors. A Store returns these (possibly wrapped); the server maps
// them to HTTP answers, so a store must never report an outage as
// ErrNotFound.
var (
	// ErrNotFound means the record does not exist.
	ErrNotFound = errors.New("registrar: not found")
	// ErrAlreadyExists means a record with the same client_id exists.
	ErrAlreadyExists = errors.New("registrar: already exists")
	// ErrConflict means the record changed since it was read: the revision
	// passed to Update or Delete is not the stored one.
	ErrConflict = errors.New("registrar: revision conflict")
	// ErrUnavailable means the store or a plugin cannot answer now (outage,
	// crash, deadline). The server answers 503 temporarily_unavailable.
	ErrUnavailable = errors.New("registrar: unavailable")
)

package fetch

import (
	"errors"
	"fmt"
)

// Kinds of fetch failure. Every error a Fetcher returns is an *Error whose
// Kind is one of these, so callers match with errors.Is, for example
// errors.Is(err, fetch.ErrForbiddenAddress). The text of each kind is safe
// to show the caller that supplied the URL, e.g. as the description of an
// RFC 7591 §3.2.2 invalid_client_metadata error:
// "jwks_uri: cannot be fetched: address not allowed".
var (
	// ErrInvalidURL: the URL is not absolute, has no host, carries
	// userinfo or a fragment, or is longer than MaxURLLength.
	ErrInvalidURL = errors.New("invalid URL")
	// ErrNotHTTPS: the scheme is not https (nor http when
	// Options.AllowHTTP is set).
	ErrNotHTTPS = errors.New("not https")
	// ErrForbiddenAddress: the host is, or resolves to, a loopback,
	// private, link-local or otherwise non-public address and
	// Options.AllowPrivate is not set.
	ErrForbiddenAddress = errors.New("address not allowed")
	// ErrRedirect: the server answered with a 3xx; redirects are never
	// followed. Error.Status holds the status.
	ErrRedirect = errors.New("redirect not followed")
	// ErrStatus: the server answered with a status other than 200 and
	// not a redirect. Error.Status holds the status.
	ErrStatus = errors.New("unexpected status")
	// ErrTooLarge: the body is longer than Options.MaxBytes.
	ErrTooLarge = errors.New("response too large")
	// ErrTimeout: the fetch did not complete within Options.Timeout, or
	// the caller's context expired first.
	ErrTimeout = errors.New("timed out")
	// ErrCanceled: the caller's context was canceled.
	ErrCanceled = errors.New("canceled")
	// ErrTLS: the TLS handshake failed, e.g. the certificate is not
	// trusted or does not name the host.
	ErrTLS = errors.New("tls handshake failed")
	// ErrUnreachable: the host could not be resolved or connected to, or
	// the connection failed before a complete response arrived.
	ErrUnreachable = errors.New("unreachable")
)

// Error is a failed fetch. Error() is compact and caller-safe: the kind's
// text, with the status or the size limit where one applies ("unexpected
// status 404", "redirect not followed (status 302)", "response larger than
// 262144 bytes"). The underlying cause, which may name resolved internal
// addresses, is kept for server logs only (Cause) and is never part of
// Error().
type Error struct {
	// Kind is one of the Err* sentinels of this package.
	Kind error
	// Status is the HTTP status for ErrStatus and ErrRedirect, else 0.
	Status int

	msg   string
	cause error
}

func newError(kind error, cause error) *Error { return &Error{Kind: kind, cause: cause} }

// Error returns the caller-safe message.
func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	switch {
	case e.Kind == ErrStatus && e.Status != 0:
		return fmt.Sprintf("unexpected status %d", e.Status)
	case e.Kind == ErrRedirect && e.Status != 0:
		return fmt.Sprintf("redirect not followed (status %d)", e.Status)
	case e.Kind != nil:
		return e.Kind.Error()
	}
	return "fetch failed"
}

// Unwrap returns the kind and, when there is one, the cause, so that
// errors.Is matches both ErrTimeout and context.DeadlineExceeded.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.cause}
}

// Cause returns the underlying error, or nil. It is meant for server logs:
// unlike Error(), it may name resolved addresses and internal details.
func (e *Error) Cause() error { return e.cause }

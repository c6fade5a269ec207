package convert

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// sentinels maps the store sentinels to their gRPC codes, both ways.
var sentinels = []struct {
	err  error
	code codes.Code
}{
	{sdk.ErrNotFound, codes.NotFound},
	{sdk.ErrAlreadyExists, codes.AlreadyExists},
	{sdk.ErrConflict, codes.Aborted},
	{sdk.ErrUnavailable, codes.Unavailable},
}

// ToStatus turns an error returned by a plugin's implementation into the
// gRPC status the plugin answers with. nil in, nil out.
//
//   - An *sdk.Error, found with errors.As so that a wrapped one counts,
//     becomes a status with an Error detail holding its code, description
//     and HTTP status. Its cause does not cross; if the cause is a store
//     sentinel or a context error, the status code says so.
//   - A store sentinel (errors.Is) becomes NOT_FOUND, ALREADY_EXISTS,
//     ABORTED (sdk.ErrConflict) or UNAVAILABLE.
//   - context.DeadlineExceeded and context.Canceled become DEADLINE_EXCEEDED
//     and CANCELED.
//   - Anything else becomes UNKNOWN with the error's text, which the host
//     logs and never shows to a registering client. A gRPC status returned
//     by the implementation (from a call it made itself) is not passed
//     through: it is "anything else".
func ToStatus(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := sdk.AsError(err); ok {
		st := status.New(codeFor(err, e), e.Error())
		detailed, derr := st.WithDetails(&pb.Error{
			Code:        e.Code,
			Description: e.Description,
			Status:      int32(e.Status),
		})
		if derr != nil { // only if the detail cannot be marshaled
			return st.Err()
		}
		return detailed.Err()
	}
	if c, ok := plainCode(err); ok {
		return status.Error(c, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}

// plainCode returns the code of a store sentinel or context error.
func plainCode(err error) (codes.Code, bool) {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.code, true
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded, true
	case errors.Is(err, context.Canceled):
		return codes.Canceled, true
	}
	return codes.Unknown, false
}

// codeFor picks the status code of an *sdk.Error: the code of the sentinel
// or context error it wraps, else one that reads like its HTTP status. The
// host relies on the detail, not on this code, except to restore a wrapped
// sentinel.
func codeFor(err error, e *sdk.Error) codes.Code {
	if c, ok := plainCode(err); ok {
		return c
	}
	switch {
	case e.Status == http.StatusUnauthorized:
		return codes.Unauthenticated
	case e.Status == http.StatusForbidden:
		return codes.PermissionDenied
	case e.Status == http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case e.Status >= 400 && e.Status < 500:
		return codes.InvalidArgument
	default:
		return codes.Internal
	}
}

// FromStatus turns the error of a call to a plugin into the error the host
// handles. nil in, nil out.
//
//   - A status with an Error detail becomes an *sdk.Error with the same code,
//     description and HTTP status (wrapping the store sentinel its status
//     code names, if any).
//   - NOT_FOUND, ALREADY_EXISTS, ABORTED and UNAVAILABLE become errors that
//     wrap sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict and
//     sdk.ErrUnavailable. UNAVAILABLE is also how gRPC reports a plugin that
//     died or cannot be reached.
//   - DEADLINE_EXCEEDED and CANCELED (a hung plugin, a call abandoned by the
//     host, a connection being closed) wrap sdk.ErrUnavailable as well.
//   - UNIMPLEMENTED wraps errors.ErrUnsupported.
//   - A non-status error is a transport failure and wraps
//     sdk.ErrUnavailable.
//   - Anything else is a plain error whose text is for the log only.
func FromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return &RemoteError{Code: codes.Unavailable, Message: err.Error(), target: sdk.ErrUnavailable}
	}
	code := st.Code()
	for _, d := range st.Details() {
		if pe, ok := d.(*pb.Error); ok {
			return errorFromProto(pe, code)
		}
	}
	return &RemoteError{Code: code, Message: st.Message(), target: targetFor(code)}
}

// targetFor returns the error a status code stands for on the host.
func targetFor(code codes.Code) error {
	for _, s := range sentinels {
		if s.code == code {
			return s.err
		}
	}
	switch code {
	case codes.DeadlineExceeded, codes.Canceled:
		return sdk.ErrUnavailable
	case codes.Unimplemented:
		return errors.ErrUnsupported
	}
	return nil
}

// errorFromProto rebuilds an *sdk.Error. A detail without a code or with a
// status that is not an HTTP error status is a broken plugin: it becomes a
// plain error rather than an answer to the registering client.
func errorFromProto(pe *pb.Error, code codes.Code) error {
	if pe.GetCode() == "" || pe.GetStatus() < 400 || pe.GetStatus() > 599 {
		return &RemoteError{
			Code:    code,
			Message: fmt.Sprintf("invalid error detail (code %q, status %d)", pe.GetCode(), pe.GetStatus()),
		}
	}
	e := &sdk.Error{Code: pe.GetCode(), Description: pe.GetDescription(), Status: int(pe.GetStatus())}
	for _, s := range sentinels {
		if s.code == code {
			return e.WithCause(s.err)
		}
	}
	if code == codes.DeadlineExceeded || code == codes.Canceled {
		return e.WithCause(sdk.ErrUnavailable)
	}
	return e
}

// RemoteError is an error reported by a plugin (or by the connection to it)
// that is not an *sdk.Error. Its text is for the log; errors.Is matches the
// sentinel its code stands for (see FromStatus).
type RemoteError struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the status message, as the plugin wrote it.
	Message string

	target error
}

// Error implements error.
func (e *RemoteError) Error() string {
	return fmt.Sprintf("plugin: %s (%s)", e.Message, e.Code)
}

// Unwrap returns the sentinel the code stands for, or nil.
func (e *RemoteError) Unwrap() error { return e.target }

// ConfigErrorToStatus returns the INVALID_ARGUMENT status with a ConfigError
// detail that rejects a plugin configuration.
func ConfigErrorToStatus(attribute, message string) error {
	st := status.New(codes.InvalidArgument, "invalid configuration: "+message)
	detailed, err := st.WithDetails(&pb.ConfigError{Attribute: attribute, Message: message})
	if err != nil {
		return st.Err()
	}
	return detailed.Err()
}

// ConfigErrorFromStatus returns the ConfigError detail of a status, if it
// has one.
func ConfigErrorFromStatus(err error) (attribute, message string, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus {
		return "", "", false
	}
	for _, d := range st.Details() {
		if ce, isCE := d.(*pb.ConfigError); isCE {
			return ce.GetAttribute(), ce.GetMessage(), true
		}
	}
	return "", "", false
}

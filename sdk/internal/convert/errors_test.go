package convert

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// prototypes lists every *sdk.Error prototype function.
// TestPrototypeListComplete keeps it in step with sdk/errors.go.
var prototypes = map[string]func() *sdk.Error{
	"ErrInvalidRedirectURI":          sdk.ErrInvalidRedirectURI,
	"ErrInvalidClientMetadata":       sdk.ErrInvalidClientMetadata,
	"ErrInvalidSoftwareStatement":    sdk.ErrInvalidSoftwareStatement,
	"ErrUnapprovedSoftwareStatement": sdk.ErrUnapprovedSoftwareStatement,
	"ErrInvalidRequest":              sdk.ErrInvalidRequest,
	"ErrInvalidToken":                sdk.ErrInvalidToken,
	"ErrInsufficientScope":           sdk.ErrInsufficientScope,
	"ErrAccessDenied":                sdk.ErrAccessDenied,
	"ErrTooManyRequests":             sdk.ErrTooManyRequests,
	"ErrServer":                      sdk.ErrServer,
	"ErrTemporarilyUnavailable":      sdk.ErrTemporarilyUnavailable,
}

// TestPrototypeListComplete parses the sdk package and fails when it
// declares an *Error prototype function that prototypes does not list.
func TestPrototypeListComplete(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..")
	fset := token.NewFileSet()
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			// func ErrX() *Error, without a receiver or parameters.
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Params.NumFields() != 0 ||
				fd.Type.Results.NumFields() != 1 {
				continue
			}
			star, ok := fd.Type.Results.List[0].Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			if id, ok := star.X.(*ast.Ident); ok && id.Name == "Error" {
				found = append(found, fd.Name.Name)
			}
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		t.Fatal("found no prototypes in sdk: the parser check is broken")
	}
	for _, name := range found {
		if _, ok := prototypes[name]; !ok {
			t.Errorf("sdk.%s is not in the prototypes list of this test", name)
		}
	}
	if len(found) != len(prototypes) {
		t.Errorf("sdk declares %d prototypes %v, the list has %d", len(found), found, len(prototypes))
	}
}

// overWire sends a plugin-side error through ToStatus, the protobuf encoding
// of a gRPC status, and FromStatus.
func overWire(t *testing.T, err error) error {
	t.Helper()
	st := ToStatus(err)
	s, ok := status.FromError(st)
	if !ok {
		t.Fatalf("ToStatus(%v) = %v, not a gRPC status", err, st)
	}
	b, merr := proto.Marshal(s.Proto())
	if merr != nil {
		t.Fatal(merr)
	}
	var back spb.Status
	if uerr := proto.Unmarshal(b, &back); uerr != nil {
		t.Fatal(uerr)
	}
	return FromStatus(status.FromProto(&back).Err())
}

func requireSDKError(t *testing.T, got error, want *sdk.Error) *sdk.Error {
	t.Helper()
	var e *sdk.Error
	if !errors.As(got, &e) {
		t.Fatalf("got %T %v, want an *sdk.Error", got, got)
	}
	if e.Code != want.Code || e.Description != want.Description || e.Status != want.Status {
		t.Fatalf("got {%q %q %d}, want {%q %q %d}", e.Code, e.Description, e.Status, want.Code, want.Description, want.Status)
	}
	if !errors.Is(got, want) {
		t.Fatalf("errors.Is(%v, %v) is false", got, want)
	}
	return e
}

func TestErrorPrototypesRoundTrip(t *testing.T) {
	for name, newProto := range prototypes {
		t.Run(name, func(t *testing.T) {
			proto := newProto()
			requireSDKError(t, overWire(t, proto), proto)
			refined := proto.WithDescription("redirect_uris[1]: must use https, not %q", "http://x")
			requireSDKError(t, overWire(t, refined), refined)
		})
	}
}

func TestErrorWrappedRoundTrip(t *testing.T) {
	inner := sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[0]: fragment not allowed")
	got := overWire(t, fmt.Errorf("x: %w", inner))
	requireSDKError(t, got, inner)
	if strings.Contains(got.Error(), "x:") {
		t.Errorf("the wrapping text crossed the wire: %q", got)
	}
}

func TestErrorCauseDoesNotCross(t *testing.T) {
	in := sdk.ErrInvalidClientMetadata().WithDescription("jwks: bad key").WithCause(errors.New("secret internal detail"))
	got := overWire(t, in)
	e := requireSDKError(t, got, in)
	if strings.Contains(fmt.Sprint(got), "secret internal") || e.Unwrap() != nil {
		t.Errorf("the cause crossed the wire: %v (unwrap %v)", got, e.Unwrap())
	}
}

func TestErrorWithSentinelCause(t *testing.T) {
	in := sdk.ErrTemporarilyUnavailable().WithCause(fmt.Errorf("db: %w", sdk.ErrUnavailable))
	got := overWire(t, in)
	requireSDKError(t, got, sdk.ErrTemporarilyUnavailable())
	if !errors.Is(got, sdk.ErrUnavailable) {
		t.Errorf("errors.Is(%v, ErrUnavailable) is false", got)
	}
}

func TestStoreSentinelsRoundTrip(t *testing.T) {
	for _, s := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict, sdk.ErrUnavailable} {
		for _, in := range []error{s, fmt.Errorf("mongodb: client %q: %w", "c1", s)} {
			t.Run(in.Error(), func(t *testing.T) {
				got := overWire(t, in)
				if !errors.Is(got, s) {
					t.Fatalf("errors.Is(%v, %v) is false", got, s)
				}
				if _, ok := sdk.AsError(got); ok {
					t.Fatalf("a store sentinel became an *sdk.Error: %v", got)
				}
				for _, other := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict, sdk.ErrUnavailable} {
					if other != s && errors.Is(got, other) {
						t.Fatalf("%v also matches %v", got, other)
					}
				}
			})
		}
	}
}

func TestContextErrorsBecomeUnavailable(t *testing.T) {
	for _, in := range []error{context.DeadlineExceeded, context.Canceled, fmt.Errorf("query: %w", context.DeadlineExceeded)} {
		got := overWire(t, in)
		if !errors.Is(got, sdk.ErrUnavailable) {
			t.Errorf("%v: errors.Is(%v, ErrUnavailable) is false", in, got)
		}
	}
	if c := status.Code(ToStatus(context.DeadlineExceeded)); c != codes.DeadlineExceeded {
		t.Errorf("code of DeadlineExceeded = %v", c)
	}
	if c := status.Code(ToStatus(context.Canceled)); c != codes.Canceled {
		t.Errorf("code of Canceled = %v", c)
	}
}

func TestPlainErrorStaysPlain(t *testing.T) {
	in := errors.New("mongo: connection string has password hunter2")
	got := overWire(t, in)
	if _, ok := sdk.AsError(got); ok {
		t.Fatalf("a plain error became an *sdk.Error: %v", got)
	}
	for _, s := range []error{sdk.ErrNotFound, sdk.ErrAlreadyExists, sdk.ErrConflict, sdk.ErrUnavailable} {
		if errors.Is(got, s) {
			t.Fatalf("a plain error matches %v", s)
		}
	}
	if !strings.Contains(got.Error(), "hunter2") {
		t.Errorf("the log text was lost: %q", got)
	}
}

func TestStatusFromImplementationIsNotPassedThrough(t *testing.T) {
	// A store that calls another gRPC service must not leak that service's
	// NOT_FOUND as a store sentinel.
	in := status.Error(codes.NotFound, "table missing")
	got := overWire(t, in)
	if errors.Is(got, sdk.ErrNotFound) {
		t.Fatalf("a foreign status became ErrNotFound: %v", got)
	}
}

func TestTransportFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"dead plugin", status.Error(codes.Unavailable, "error reading from server: EOF"), sdk.ErrUnavailable},
		{"deadline", status.Error(codes.DeadlineExceeded, "context deadline exceeded"), sdk.ErrUnavailable},
		{"connection closing", status.Error(codes.Canceled, "grpc: the client connection is closing"), sdk.ErrUnavailable},
		{"not a status", errors.New("dial tcp 127.0.0.1:1: connection refused"), sdk.ErrUnavailable},
		{"unimplemented", status.Error(codes.Unimplemented, "unknown service"), errors.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FromStatus(tc.err)
			if !errors.Is(got, tc.want) {
				t.Fatalf("FromStatus(%v) = %v, want errors.Is %v", tc.err, got, tc.want)
			}
			if _, ok := sdk.AsError(got); ok {
				t.Fatalf("became an *sdk.Error: %v", got)
			}
		})
	}
	if got := FromStatus(status.Error(codes.Internal, "boom")); errors.Unwrap(got) != nil {
		t.Errorf("INTERNAL wraps %v", errors.Unwrap(got))
	}
}

func TestInvalidErrorDetail(t *testing.T) {
	for _, d := range []struct {
		code   string
		status int
	}{{"", 400}, {"invalid_request", 200}, {"invalid_request", 0}, {"invalid_request", 600}} {
		st, _ := status.New(codes.InvalidArgument, "x").WithDetails(&pb.Error{Code: d.code, Status: int32(d.status)})
		got := FromStatus(st.Err())
		if _, ok := sdk.AsError(got); ok {
			t.Errorf("detail %+v became an *sdk.Error: %v", d, got)
		}
	}
}

func TestConfigErrorRoundTrip(t *testing.T) {
	st := throughWire(ConfigErrorToStatus("fail", "must be false"))
	attr, msg, ok := ConfigErrorFromStatus(st)
	if !ok || attr != "fail" || msg != "must be false" {
		t.Fatalf("got %q %q %v", attr, msg, ok)
	}
	if status.Code(st) != codes.InvalidArgument {
		t.Errorf("code %v, want InvalidArgument", status.Code(st))
	}
	if _, _, ok := ConfigErrorFromStatus(errors.New("x")); ok {
		t.Error("a plain error has a ConfigError")
	}
	if _, _, ok := ConfigErrorFromStatus(status.Error(codes.InvalidArgument, "x")); ok {
		t.Error("a status without detail has a ConfigError")
	}
}

// throughWire sends a status through its protobuf encoding.
func throughWire(err error) error {
	s, _ := status.FromError(err)
	b, _ := proto.Marshal(s.Proto())
	var back spb.Status
	_ = proto.Unmarshal(b, &back)
	return status.FromProto(&back).Err()
}

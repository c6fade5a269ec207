package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/registrar-dcr/registrar/sdk"
)

// classify turns an error that is not an answer about the data into the
// store contract's terms:
//
//   - the caller gave up (its context is canceled): the context's error, so
//     that it is never mistaken for an outage nor for an answer;
//   - the caller's deadline, this store's operation timeout, a network
//     error, no server to select, a primary stepping down, a write concern
//     that could not be satisfied: sdk.ErrUnavailable wrapping the cause;
//   - anything else the server definitely answered (a command error such as
//     a bad index option): a plain error, which the server answers with
//     server_error.
//
// It never returns sdk.ErrNotFound, ErrAlreadyExists or ErrConflict.
func classify(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("%w: mongodb: %s: %w", sdk.ErrUnavailable, op, cerr)
		}
		return fmt.Errorf("mongodb: %s: %w", op, cerr)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("mongodb: %s: %w", op, err)
	}
	if errors.Is(err, sdk.ErrUnavailable) || !isServerAnswer(err) {
		return fmt.Errorf("%w: mongodb: %s: %w", sdk.ErrUnavailable, op, err)
	}
	return fmt.Errorf("mongodb: %s: %w", op, err)
}

// transientCodes are server error codes that mean "not now" rather than
// "no": the node is shutting down, is not (or no longer) the primary,
// cannot reach its peers, or ran out of time.
var transientCodes = map[int]bool{
	6:     true, // HostUnreachable
	7:     true, // HostNotFound
	50:    true, // MaxTimeMSExpired
	64:    true, // WriteConcernFailed
	89:    true, // NetworkTimeout
	91:    true, // ShutdownInProgress
	133:   true, // FailedToSatisfyReadPreference
	134:   true, // ReadConcernMajorityNotAvailableYet
	189:   true, // PrimarySteppedDown
	202:   true, // NetworkInterfaceExceededTimeLimit
	262:   true, // ExceededTimeLimit
	9001:  true, // SocketException
	10107: true, // NotWritablePrimary
	11600: true, // InterruptedAtShutdown
	11602: true, // InterruptedDueToReplStateChange
	13435: true, // NotPrimaryNoSecondaryOk
	13436: true, // NotPrimaryOrSecondary
	462:   true, // IngressRequestRateLimitExceeded
}

// transientLabels are error labels of the same meaning.
var transientLabels = []string{
	"NetworkError", "RetryableWriteError", "TransientTransactionError",
	"NetworkTimeoutError", "ExceededTimeLimitError", "SystemOverloadedError",
}

// isServerAnswer reports whether err is a definite answer of the server (a
// command or write error that a retry would not change), as opposed to an
// outage: network errors, timeouts, server selection failures, transient
// server codes and write concern errors.
func isServerAnswer(err error) bool {
	if err == nil || mongo.IsNetworkError(err) || mongo.IsTimeout(err) {
		return false
	}
	var we mongo.WriteException
	if errors.As(err, &we) && we.WriteConcernError != nil {
		return false
	}
	var se mongo.ServerError
	if !errors.As(err, &se) {
		// Errors of the driver itself: no server selected, pool cleared,
		// client disconnected, ... all mean the server did not answer.
		// Encoding errors are the exception.
		var me mongo.MarshalError
		return errors.As(err, &me)
	}
	for _, l := range transientLabels {
		if se.HasErrorLabel(l) {
			return false
		}
	}
	for _, code := range se.ErrorCodes() {
		if transientCodes[code] {
			return false
		}
	}
	return true
}

// duplicateIndex names the index of a duplicate-key error: fieldID,
// fieldTokenHash, or "" when the error does not say (FerretDB's messages
// name only the collection).
func duplicateIndex(err error) string {
	var raws []bson.Raw
	var msgs []string
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			if e.Code == 11000 || e.Code == 11001 {
				raws = append(raws, e.Raw)
				msgs = append(msgs, e.Message)
			}
		}
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		raws = append(raws, ce.Raw)
		msgs = append(msgs, ce.Message)
	}
	for _, raw := range raws {
		if raw == nil {
			continue
		}
		kp, ok := raw.Lookup("keyPattern").DocumentOK()
		if !ok {
			continue
		}
		if _, err := kp.LookupErr(fieldID); err == nil {
			return fieldID
		}
		if _, err := kp.LookupErr(fieldTokenHash); err == nil {
			return fieldTokenHash
		}
	}
	for _, m := range msgs {
		switch {
		case strings.Contains(m, "index: _id_ "):
			return fieldID
		case strings.Contains(m, "index: "+indexTokenHash+" "), strings.Contains(m, "dup key: { "+fieldTokenHash+":"):
			return fieldTokenHash
		}
	}
	return ""
}

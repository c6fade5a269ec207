package reconcile

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
)

// Status is the outcome of one action in Apply.
type Status string

const (
	// Done: the action changed what it was planned to change, or found it
	// already changed (an upstream client already deleted).
	Done Status = "done"
	// Skipped: the re-check before acting found the client changed since
	// the plan (registered, updated or deleted meanwhile); nothing was
	// changed, and the next run plans again.
	Skipped Status = "skipped"
	// Failed: the action was attempted and failed (Result.Err).
	Failed Status = "failed"
	// Left: a Wait or Review action, which Apply never acts on.
	Left Status = "left"
)

// Result is the outcome of one action.
type Result struct {
	Action Action
	Status Status
	// Detail says why an action was skipped.
	Detail string
	// Err is why an action failed. It never holds a secret: the errors
	// of the store and of the upstream never do.
	Err error
}

// String describes the result for the operator: "deleted upstream client
// X: no local registration (created 12m ago)", "skipped delete upstream
// client X: ...", "failed to delete upstream client X: ...".
func (r Result) String() string {
	a := r.Action
	switch r.Status {
	case Done:
		return a.phrase(true) + ": " + a.Reason
	case Skipped:
		return "skipped " + a.phrase(false) + ": " + r.Detail
	case Failed:
		return "failed to " + a.phrase(false) + ": " + r.Err.Error()
	}
	return a.phrase(true) + ": " + a.Reason
}

// Apply carries out actions one by one, in order, and returns the result
// of each, in the same order. Every action is checked again just before
// it acts, since the plan may be old by then: an upstream client is
// deleted only while there is still no local registration of it, and a
// local registration is provisioned or deleted only while it holds the
// revision planned on (a local delete is conditional on that revision,
// sdk.ClientStore.Delete). The error of one action does not stop the
// others; once ctx is done the remaining ones fail with its error. Wait
// and Review actions are Left as they are. opt.Opener opens the sealed
// secrets of CreateUpstream actions planned with it.
func Apply(ctx context.Context, up sdk.Upstream, store sdk.ClientStore, actions []Action, opt Options) []Result {
	results := make([]Result, len(actions))
	for i, a := range actions {
		results[i] = apply(ctx, up, store, a, opt)
	}
	return results
}

func apply(ctx context.Context, up sdk.Upstream, store sdk.ClientStore, a Action, opt Options) Result {
	r := Result{Action: a, Status: Done}
	if !a.Kind.Acts() {
		r.Status = Left
		return r
	}
	if err := ctx.Err(); err != nil {
		return failed(r, err)
	}
	switch a.Kind {
	case DeleteUpstream:
		_, err := store.Get(ctx, a.ClientID)
		switch {
		case err == nil:
			return skipped(r, "it was registered locally since the plan")
		case !errors.Is(err, sdk.ErrNotFound):
			return failed(r, fmt.Errorf("read its local registration: %w", err))
		}
		if err := up.Delete(ctx, a.ClientID); err != nil && !errors.Is(err, sdk.ErrNotFound) {
			return failed(r, err)
		}
		return r
	case DeleteLocal:
		switch err := store.Delete(ctx, a.ClientID, a.Revision); {
		case errors.Is(err, sdk.ErrNotFound):
			return skipped(r, "it was deleted since the plan")
		case errors.Is(err, sdk.ErrConflict):
			return skipped(r, "it was changed since the plan")
		case err != nil:
			return failed(r, err)
		}
		return r
	}

	// CreateUpstream and UpdateUpstream push the local record as it is.
	c, err := store.Get(ctx, a.ClientID)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return skipped(r, "it was deleted since the plan")
	case err != nil:
		return failed(r, fmt.Errorf("read its local registration: %w", err))
	case c.Revision != a.Revision:
		return skipped(r, "it was changed since the plan")
	}
	p := sdk.Provision{
		Client:   sdk.RegistrationContext{Client: c}.ResponseView().Client,
		Revision: c.Revision,
	}
	switch a.Kind {
	case UpdateUpstream:
		// No secret: the upstream keeps the one it has (sdk.Upstream.Update).
		p.Operation = sdk.OperationUpdate
		got, err := up.Update(ctx, p)
		if err != nil {
			return failed(r, err)
		}
		if got.ClientSecret != "" {
			return failed(r, errors.New("the upstream assigned a new client secret in an update without one, "+
				"which reconcile cannot hand to the client; the client can ask for a new secret with an update (RFC 7592 §2.2)"))
		}
		return r
	case CreateUpstream:
		p.Operation = sdk.OperationCreate
		if c.HasSecret() {
			secret, err := openSecret(c, opt.Opener)
			if err != nil {
				return failed(r, err)
			}
			p.ClientSecret = secret
		}
		got, err := up.Create(ctx, p)
		if err != nil {
			return failed(r, err)
		}
		var why string
		switch {
		case registrationGone(ctx, store, c.ID):
			// A delete between its two writes (upstream gone, the
			// registration about to go) must not be undone: take the
			// client back out.
			why = "the registration was deleted while it was provisioned again"
		case got.ClientID != "" && got.ClientID != c.ID:
			why = "the upstream assigned another client_id, so the registration cannot be provisioned again under its own " +
				"(registrar client delete removes it, and the client can register again)"
		case got.ClientSecret != "":
			why = "the upstream assigned another client secret, which reconcile cannot hand to the client"
		default:
			return r
		}
		id := c.ID
		if got.ClientID != "" {
			id = got.ClientID
		}
		if err := up.Delete(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, sdk.ErrNotFound) {
			why += fmt.Sprintf("; deleting upstream client %s again failed: %v", quoteID(id), err)
		} else {
			why += "; the upstream client was deleted again"
		}
		return failed(r, errors.New(why))
	}
	return failed(r, fmt.Errorf("unknown action kind %q", a.Kind))
}

// openSecret recovers the client secret of c with opener, and checks it
// against c's hash.
func openSecret(c sdk.Client, opener Opener) (string, error) {
	if c.SecretSealed == nil || opener == nil {
		return "", errors.New("its client secret cannot be recovered (Registrar keeps only its hash)")
	}
	secret, err := opener.Open(c.ID, c.SecretSealed)
	if err != nil {
		return "", fmt.Errorf("its sealed client secret does not open with the secret encryption key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(sdk.HashToken(secret)), []byte(c.SecretHash)) != 1 {
		return "", errors.New("its sealed client secret does not match its hash")
	}
	return secret, nil
}

func skipped(r Result, detail string) Result {
	r.Status, r.Detail = Skipped, detail
	return r
}

func failed(r Result, err error) Result {
	r.Status, r.Err = Failed, err
	return r
}

// registrationGone reports whether the registration id no longer exists
// (read again after an upstream create). A store that cannot answer counts
// as not gone.
func registrationGone(ctx context.Context, store sdk.ClientStore, id string) bool {
	_, err := store.Get(ctx, id)
	return errors.Is(err, sdk.ErrNotFound)
}

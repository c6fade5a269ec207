package pipeline

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// The upstream writes of the pipeline (DESIGN §2, "Reaching the
// authorization server"). Each operation orders its two writes so that a
// failure of either leaves nothing half-done:
//
//   - create: upstream, then store; when the store fails the upstream
//     client is deleted again (unprovision) and the caller gets 503.
//   - update: store, then upstream; when the upstream fails the stored
//     record is put back (restore) and the caller gets the upstream's
//     refusal or 503. The store goes first because it holds the
//     optimistic-concurrency check, and because a record can be put back
//     whole while an upstream secret cannot (it keeps only a hash).
//   - delete: upstream, then store; when the upstream cannot delete, the
//     registration stays and the caller gets 503 and may try again.
//
// What a crash between two writes leaves, `registrar reconcile` repairs
// through sdk.Upstream.List and the revisions the upstream keeps.

// compensateBudget bounds each compensating write (unprovision, restore),
// which runs detached from the request after it failed.
const compensateBudget = 10 * time.Second

// errUpstreamDown answers a request whose upstream write could not be
// made; the caller may try again (503 with Retry-After).
var errUpstreamDown = sdk.ErrTemporarilyUnavailable().WithDescription("the authorization server cannot be reached; try again later")

// provisionCreate writes a new, processed client into the upstream and
// applies what the upstream assigned (a client_id, a client secret). On
// error nothing remains upstream.
func (p *Pipeline) provisionCreate(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	if p.Upstream == nil {
		return rc, nil
	}
	wctx, cancel := upstreamContext(ctx)
	got, err := p.Upstream.Create(wctx, sdk.ProvisionOf(rc))
	cancel()
	if err != nil {
		if !refused(err) && !errors.Is(err, sdk.ErrAlreadyExists) {
			// The create may have landed although it failed (a lost
			// answer, a deadline): take it back. The upstream deletes
			// only a client carrying this server's marker, and
			// ErrAlreadyExists names a client that is not this one.
			p.unprovision(context.WithoutCancel(ctx), rc.Client.ID)
		}
		return rc, p.upstreamError("create", rc.Client.ID, err)
	}
	out, err := p.applyAssigned(rc, got)
	if err != nil {
		id := rc.Client.ID
		if got.ClientID != "" {
			id = got.ClientID
		}
		p.unprovision(context.WithoutCancel(ctx), id)
		return rc, err
	}
	return out, nil
}

// applyAssigned takes the client_id (create only) and client secret an
// upstream assigned: the secret replaces the issued one, its hash the
// client's, and a sealed secret is sealed again for the new id or secret.
func (p *Pipeline) applyAssigned(rc sdk.RegistrationContext, got sdk.Provisioned) (sdk.RegistrationContext, error) {
	reseal := false
	if got.ClientID != "" && got.ClientID != rc.Client.ID {
		if rc.Operation != sdk.OperationCreate {
			return rc, errors.New("pipeline: the upstream assigned a new client_id on " + string(rc.Operation))
		}
		if len(got.ClientID) > maxAssignedIDLen {
			return rc, errors.New("pipeline: the upstream assigned a client_id that is too long")
		}
		rc.Client.ID = got.ClientID
		reseal = true
	}
	if got.ClientSecret != "" {
		if !rc.Client.HasSecret() {
			return rc, errors.New("pipeline: the upstream assigned a client secret to a client without one")
		}
		rc.Issued.ClientSecret = got.ClientSecret
		rc.Client.SecretHash = sdk.HashToken(got.ClientSecret)
		reseal = true
	}
	if reseal && rc.Client.SecretSealed != nil {
		if p.Sealer == nil {
			return rc, errors.New("pipeline: the upstream assigned a client_id or secret to a client_secret_jwt client, and no secret encryption key can seal it again")
		}
		sealed, err := p.Sealer.Seal(rc.Client.ID, rc.Issued.ClientSecret)
		if err != nil {
			return rc, err
		}
		rc.Client.SecretSealed = sealed
	}
	return rc, nil
}

// maxAssignedIDLen bounds a client_id an upstream assigns.
const maxAssignedIDLen = 255

// provisionUpdate writes a stored update into the upstream. rc holds the
// record as stored; prev is the record before the update. When the
// upstream fails, the record is put back and the error returned.
func (p *Pipeline) provisionUpdate(ctx context.Context, rc sdk.RegistrationContext, prev sdk.Client) (sdk.RegistrationContext, error) {
	if p.Upstream == nil {
		return rc, nil
	}
	prov := sdk.ProvisionOf(rc)
	prov.Revision = rc.Client.Revision
	wctx, cancel := upstreamContext(ctx)
	got, err := p.Upstream.Update(wctx, prov)
	if err != nil && !refused(err) && !errors.Is(err, sdk.ErrNotFound) {
		// An update is a whole replacement: sending it again is safe,
		// and settles one whose answer was lost after it landed.
		got, err = p.Upstream.Update(wctx, prov)
	}
	if errors.Is(err, sdk.ErrNotFound) && (prov.ClientSecret != "" || !rc.Client.HasSecret()) {
		// The upstream lost the client (removed by hand, or the
		// registration predates the upstream): when the update holds
		// everything it needs, the client is provisioned again whole.
		prov.Operation = sdk.OperationCreate
		got, err = p.Upstream.Create(wctx, prov)
	}
	cancel()
	if err != nil {
		p.restore(context.WithoutCancel(ctx), prev, rc.Client)
		return rc, p.upstreamError("update", rc.Client.ID, err)
	}
	if got.ClientSecret == "" {
		return rc, nil
	}
	// The upstream chose the new secret: keep its hash.
	got.ClientID = ""
	if rc, err = p.applyAssigned(rc, got); err != nil {
		return rc, err
	}
	return p.write(ctx, rc)
}

// restore puts back the record an update replaced (prev), over the record
// the update stored (cur). A failure is logged: reconcile then pushes the
// stored record to the upstream.
func (p *Pipeline) restore(ctx context.Context, prev, cur sdk.Client) {
	back := prev.Clone()
	back.Revision = cur.Revision
	back.UpdatedAt = p.now().Unix()
	ctx, cancel := context.WithTimeout(ctx, compensateBudget)
	defer cancel()
	if _, err := p.Store.Update(ctx, back); err != nil {
		p.log().Error("the authorization server refused or missed an update and the registration cannot be put back; "+
			"`registrar reconcile` will push the stored registration to it", "client_id", cur.ID, "error", err)
	}
}

// deprovision deletes the upstream client of a registration being
// deleted. An upstream without the client counts as deleted.
func (p *Pipeline) deprovision(ctx context.Context, id string) error {
	if p.Upstream == nil {
		return nil
	}
	wctx, cancel := upstreamContext(ctx)
	defer cancel()
	if err := p.Upstream.Delete(wctx, id); err != nil && !errors.Is(err, sdk.ErrNotFound) {
		return p.upstreamError("delete", id, err)
	}
	return nil
}

// deleteLocal deletes the registration at revision. With an upstream, the
// upstream client is already gone, so the registration must go too: when a
// concurrent update changed it meanwhile (ErrConflict), it is read again
// and deleted at its new revision, never left alive here and gone there.
func (p *Pipeline) deleteLocal(ctx context.Context, id string, revision int64) error {
	err := p.Store.Delete(ctx, id, revision)
	for range 3 {
		if p.Upstream == nil || !errors.Is(err, sdk.ErrConflict) {
			break
		}
		cur, gerr := p.Store.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		err = p.Store.Delete(ctx, id, cur.Revision)
	}
	return err
}

// upstreamBudget bounds one upstream write of a request. The write runs
// detached from the caller's cancellation: a caller that hangs up must not
// cut a write short between "landed" and "answered", which would leave the
// two sides apart.
const upstreamBudget = 30 * time.Second

func upstreamContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), upstreamBudget)
}

// refused reports whether err is the upstream's refusal of the client (an
// *sdk.Error with a 4xx status), as opposed to a failure to answer.
func refused(err error) bool {
	e, ok := sdk.AsError(err)
	return ok && e.Status >= 400 && e.Status < 500
}

// unprovision deletes the upstream client of a registration that failed
// after the upstream accepted it. A failure is logged: the client carries
// the upstream's marker and `registrar reconcile` removes it.
func (p *Pipeline) unprovision(ctx context.Context, id string) {
	if p.Upstream == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, compensateBudget)
	defer cancel()
	if err := p.Upstream.Delete(ctx, id); err != nil && !errors.Is(err, sdk.ErrNotFound) {
		p.log().Error("a registration failed after the authorization server accepted it, and its client there cannot be deleted; "+
			"`registrar reconcile` will remove it", "client_id", id, "error", err)
		return
	}
	p.log().Warn("a registration failed after the authorization server accepted it; deleted its client there", "client_id", id)
}

// upstreamError maps an upstream failure to its answer. A refusal (an
// *sdk.Error with a 4xx status other than 401, which would read as a
// failed authentication of the caller) is answered as it is: the plugin
// names the field, never its upstream's internals. Anything else (an
// outage, a deadline, an upstream server error) is 503 with Retry-After,
// its cause in the log only.
func (p *Pipeline) upstreamError(op, id string, err error) error {
	if e, ok := sdk.AsError(err); ok && refused(err) && e.Status != http.StatusUnauthorized {
		p.log().Info("the authorization server refused a client", "operation", op, "client_id", id, "error", e.Code)
		return err
	}
	p.log().Error("the authorization server cannot be written", "operation", op, "client_id", id, "error", err)
	return errUpstreamDown.WithCause(err)
}

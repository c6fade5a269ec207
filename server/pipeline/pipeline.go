package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/auth"
)

// Profile is a registration profile as the pipeline runs it: the policy
// and the validator chain that apply to clients registered under it.
type Profile struct {
	Name       string
	Policy     sdk.Policy
	Validators []sdk.Validator
	// Statements is the software statement handling; nil refuses
	// statements as unapproved.
	Statements *Statements
	// Origins are the browser origins (lowercase scheme://host[:port])
	// allowed to call as this profile; a request with another Origin
	// header is refused.
	Origins []string
	// MaxClients bounds the clients registered under the profile; 0 means
	// no bound.
	MaxClients int64
}

// Authenticator maps the Authorization header of a registration request to
// a principal (package auth implements it).
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (auth.Principal, error)
}

// Pipeline runs registration requests. All fields are required except
// Logger and Now; a Pipeline is safe for concurrent use once built, and
// must not be copied after first use. It may leave revocations running in
// the background after a request was answered: call Wait before closing
// its store.
type Pipeline struct {
	Auth      Authenticator
	Profiles  map[string]*Profile
	Processor sdk.Processor
	Store     sdk.Store
	Response  sdk.ResponseGenerator
	// Upstream provisions every create, update and delete into the
	// authorization server (DESIGN §2, "Reaching the authorization
	// server"); nil when Registrar's store is the only record.
	Upstream sdk.Upstream
	// Sealer seals a client_secret_jwt secret again when the upstream
	// assigns the client another client_id or secret; nil refuses such a
	// client (the built-in processor's sealer, when it has one).
	Sealer sdk.Sealer
	// BaseURL is the public base URL; registration_client_uri is
	// BaseURL + "/connect/dcr/" + client_id.
	BaseURL string
	// Parse bounds the request body: strings, arrays, nesting depth and
	// (for profiles that keep them) unknown members; see parseOptions.
	Parse sdk.ParseOptions
	// Fetch reads the documents that jwks_uri and sector_identifier_uri
	// point at; nil skips those checks.
	Fetch  Fetcher
	Logger hclog.Logger
	// Now returns the request time; time.Now when nil.
	Now func() time.Time

	// revokeRetry bounds the revocation of a token presented on another
	// client's URI; the zero value means defaultRevokeRetry.
	revokeRetry retryPolicy
	// revokeLimit bounds the revocations running in the background at
	// once; 0 means defaultRevokeLimit.
	revokeLimit int
	// revokeInline bounds the first revocation attempt, which runs within
	// the request; inlineRevokeTimeout when zero.
	revokeInline time.Duration
	// revocations tracks the background revocations (revoke.go).
	revocations revocations
}

// Request is one HTTP request, reduced to what the pipeline needs.
type Request struct {
	// Authorization is the raw Authorization header.
	Authorization string
	// ClientID is the client of a read, update or delete.
	ClientID string
	// Body is the JSON body of a create or update.
	Body []byte
	// RemoteAddr is the caller's IP address.
	RemoteAddr string
	// Origin is the Origin header of a browser's request; "" otherwise.
	Origin string
}

// Errors of the pipeline that have no RFC prototype.
var (
	// errConcurrentUpdate answers an update or delete that lost a race
	// with another write of the same registration.
	errConcurrentUpdate = &sdk.Error{Code: sdk.CodeInvalidRequest, Status: http.StatusConflict,
		Description: "the registration was changed by another request; read it and try again"}
	// errBadToken is the one answer for an unknown client, a deleted
	// client and a wrong or revoked token (RFC 7592 §2.1).
	errBadToken = sdk.ErrInvalidToken().WithDescription("the registration access token is not valid for this client")
)

// checkOrigin refuses a browser request from an origin the profile does
// not allow (CORS, per profile).
func checkOrigin(prof *Profile, origin string) error {
	if origin == "" || prof == nil {
		return nil
	}
	if slices.Contains(prof.Origins, strings.ToLower(origin)) {
		return nil
	}
	return sdk.ErrAccessDenied().WithDescription("requests from origin %s are not allowed for this registration profile", origin)
}

// Register handles POST /connect/dcr (RFC 7591 §3.1).
func (p *Pipeline) Register(ctx context.Context, req Request) (sdk.Response, error) {
	principal, err := p.Auth.Authenticate(ctx, req.Authorization)
	if err != nil {
		return sdk.Response{}, err
	}
	caller := principal.Caller
	caller.RemoteAddr = req.RemoteAddr
	prof, err := p.profile(caller.Profile)
	if err != nil {
		return sdk.Response{}, err
	}
	if err := checkOrigin(prof, req.Origin); err != nil {
		return sdk.Response{}, err
	}
	md, reserved, err := sdk.ParseMetadata(req.Body, p.parseOptions(prof, false))
	if err != nil {
		return sdk.Response{}, err
	}
	for _, name := range []string{"client_id", "client_secret"} {
		if _, ok := reserved[name]; ok {
			return sdk.Response{}, sdk.ErrInvalidClientMetadata().WithDescription("%s: is assigned by the server and must not be sent", name)
		}
	}
	if name := firstPresent(reserved, "client_id_issued_at", "client_secret_expires_at", "registration_access_token", "registration_client_uri"); name != "" {
		return sdk.Response{}, sdk.ErrInvalidClientMetadata().WithDescription("%s: is assigned by the server and must not be sent", name)
	}
	rc := sdk.RegistrationContext{
		Operation: sdk.OperationCreate,
		Request:   md,
		Caller:    caller,
		Policy:    prof.Policy,
		Now:       p.now(),
	}
	rc, spend, err := p.verifyStatement(ctx, prof, rc)
	if err != nil {
		return sdk.Response{}, err
	}
	if rc, err = p.validate(ctx, prof, rc); err != nil {
		return sdk.Response{}, err
	}
	if err := p.checkRemote(ctx, rc); err != nil {
		return sdk.Response{}, err
	}
	if err := p.checkQuota(ctx, prof); err != nil {
		return sdk.Response{}, err
	}
	if rc, err = p.process(ctx, rc); err != nil {
		return sdk.Response{}, err
	}
	rc.Client.UpdatedAt = rc.Now.Unix()
	// The authorization server is written first: a client it refuses is
	// never stored, and one stored is usable there (a 201 means usable).
	// Its refusal spends neither the token's use nor the statement.
	if rc, err = p.provisionCreate(ctx, rc); err != nil {
		return sdk.Response{}, err
	}
	// The token's use and the statement's jti are spent last, once nothing
	// but the local write can fail. The use can be given back, so it goes
	// first; a jti cannot, so only a failed write leaves it spent.
	release, err := principal.Consume(ctx)
	if err != nil {
		p.unprovision(context.WithoutCancel(ctx), rc.Client.ID)
		return sdk.Response{}, err
	}
	if err := spend(ctx); err != nil {
		release(context.WithoutCancel(ctx))
		p.unprovision(context.WithoutCancel(ctx), rc.Client.ID)
		return sdk.Response{}, err
	}
	stored, err := p.Store.Create(ctx, rc.Client)
	if err != nil {
		if mayHaveWritten(err) {
			if p.abandonCreate(context.WithoutCancel(ctx), rc.Client.ID, release) {
				p.unprovision(context.WithoutCancel(ctx), rc.Client.ID)
			}
		} else {
			release(context.WithoutCancel(ctx))
			p.unprovision(context.WithoutCancel(ctx), rc.Client.ID)
		}
		if _, refused := sdk.AsError(err); p.Upstream != nil && !refused && !errors.Is(err, sdk.ErrConflict) {
			// The caller may try again: the upstream client is
			// removed (or left to reconcile), nothing is stored.
			return sdk.Response{}, sdk.ErrTemporarilyUnavailable().WithCause(err)
		}
		return sdk.Response{}, storeError(err)
	}
	rc.Client = stored
	resp, err := p.respond(ctx, rc)
	if err != nil {
		// The caller never learns the client's id or token: take the
		// registration back, so nothing half-done remains.
		if p.undoCreate(context.WithoutCancel(ctx), stored, release) {
			p.unprovision(context.WithoutCancel(ctx), stored.ID)
		}
		return sdk.Response{}, err
	}
	p.log().Info("client registered", "client_id", stored.ID, "profile", prof.Name,
		"caller", string(caller.Method), "token_id", caller.TokenID)
	return resp, nil
}

// undoCreate deletes a client whose registration could not be answered and
// gives the token's use back. It reports whether the client is gone;
// failures are logged.
func (p *Pipeline) undoCreate(ctx context.Context, c sdk.Client, release func(context.Context)) bool {
	if err := p.Store.Delete(ctx, c.ID, c.Revision); err != nil {
		p.log().Error("cannot delete a client whose registration failed to answer", "client_id", c.ID, "error", err)
		return false
	}
	release(ctx)
	return true
}

// abandonBudget bounds the delete of a client whose create failed
// ambiguously (abandonCreate); the request is answered 503 after it.
const abandonBudget = 2 * time.Second

// mayHaveWritten reports whether a failed write may nevertheless have been
// committed: the store became unavailable, or a deadline or cancellation
// cut the call short, after the write may have reached the database (a
// MongoDB insert acknowledged after the per-call deadline, a plugin that
// died after its store committed). Any other error is a refusal: nothing
// was written (ErrAlreadyExists in particular names another client's id,
// which must never be deleted).
func mayHaveWritten(err error) bool {
	return errors.Is(err, sdk.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled)
}

// abandonCreate cleans up after a create that failed ambiguously
// (mayHaveWritten): the caller is answered 503 and never learns the
// client's id or registration access token, so a client the store did
// commit would be an orphan that holds one of the initial access token's
// uses. It deletes the client at Revision 1 (what Create answers; no
// caller ever saw the client, so nothing can have changed it) within
// abandonBudget, detached from the request, and gives the use back when
// the client is gone: deleted now, or ErrNotFound because nothing was
// written.
//
// When the delete fails, the client may exist, so the use stays spent: a
// use is the bound an operator set on the registrations one token may
// make (max_uses), and giving it back for a client that may exist could
// let the token register one client more than allowed. The error is
// logged with the client's id so that the operator deletes it (then the
// token's count is one too high, never too low) — the same choice as
// undoCreate.
//
// It reports whether the client is known to be gone from the store.
func (p *Pipeline) abandonCreate(ctx context.Context, id string, release func(context.Context)) bool {
	dctx, cancel := context.WithTimeout(ctx, abandonBudget)
	err := p.Store.Delete(dctx, id, 1)
	cancel()
	switch {
	case err == nil:
		p.log().Warn("a registration whose write failed had stored its client; deleted it", "client_id", id)
	case errors.Is(err, sdk.ErrNotFound):
	default:
		p.log().Error("a registration whose write failed may have stored its client and it cannot be deleted: "+
			"the initial access token's use stays spent; delete the client by hand", "client_id", id, "error", err)
		return false
	}
	release(ctx)
	return true
}

// Read handles GET /connect/dcr/{client_id} (RFC 7592 §2.1).
func (p *Pipeline) Read(ctx context.Context, req Request) (sdk.Response, error) {
	rc, _, presented, err := p.authorize(ctx, req, sdk.OperationRead)
	if err != nil {
		return sdk.Response{}, err
	}
	if rc.Policy.TokenRotation == sdk.RotateOnEveryUse {
		if rc, err = p.process(ctx, rc); err != nil {
			return sdk.Response{}, err
		}
		if rc, err = p.write(ctx, rc); err != nil {
			return sdk.Response{}, err
		}
	}
	return p.respond(ctx, echoToken(rc, presented))
}

// Update handles PUT /connect/dcr/{client_id} (RFC 7592 §2.2): the body is
// the complete new metadata and replaces the stored one.
func (p *Pipeline) Update(ctx context.Context, req Request) (sdk.Response, error) {
	rc, prof, presented, err := p.authorize(ctx, req, sdk.OperationUpdate)
	if err != nil {
		return sdk.Response{}, err
	}
	if prof == nil {
		return sdk.Response{}, sdk.ErrAccessDenied().WithDescription("the registration profile %q of this client is no longer configured", rc.Current.Profile)
	}
	md, reserved, err := sdk.ParseMetadata(req.Body, p.parseOptions(prof, true))
	if err != nil {
		return sdk.Response{}, err
	}
	if err := checkUpdateMembers(*rc.Current, reserved); err != nil {
		return sdk.Response{}, err
	}
	rc.Request = md
	rc, spend, err := p.verifyStatement(ctx, prof, rc)
	if err != nil {
		return sdk.Response{}, err
	}
	if rc, err = p.validate(ctx, prof, rc); err != nil {
		return sdk.Response{}, err
	}
	if err := p.checkRemote(ctx, rc); err != nil {
		return sdk.Response{}, err
	}
	if rc, err = p.process(ctx, rc); err != nil {
		return sdk.Response{}, err
	}
	if err := spend(ctx); err != nil {
		return sdk.Response{}, err
	}
	prev := *rc.Current
	if rc, err = p.write(ctx, rc); err != nil {
		return sdk.Response{}, err
	}
	if rc, err = p.provisionUpdate(ctx, rc, prev); err != nil {
		return sdk.Response{}, err
	}
	p.log().Info("client updated", "client_id", rc.Client.ID, "profile", prof.Name)
	return p.respond(ctx, echoToken(rc, presented))
}

// Delete handles DELETE /connect/dcr/{client_id} (RFC 7592 §2.3).
func (p *Pipeline) Delete(ctx context.Context, req Request) (sdk.Response, error) {
	rc, _, _, err := p.authorize(ctx, req, sdk.OperationDelete)
	if err != nil {
		return sdk.Response{}, err
	}
	// The authorization server is written first: after a 204 it refuses
	// the client's credentials, and when it cannot delete, the
	// registration stays here for the client to try again.
	if err := p.deprovision(ctx, rc.Current.ID); err != nil {
		return sdk.Response{}, err
	}
	if err := p.deleteLocal(ctx, rc.Current.ID, rc.Current.Revision); err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return sdk.Response{}, errBadToken
		}
		return sdk.Response{}, storeError(err)
	}
	p.log().Info("client deleted", "client_id", rc.Current.ID)
	return p.respond(ctx, rc)
}

// authorize checks the registration access token of a read, update or
// delete and loads the client (RFC 7592 §2.1). An unknown client, a
// wrong token and a revoked token all answer the same 401. A token that
// belongs to another client than the one addressed is revoked.
//
// prof is nil when the client's profile is no longer configured. presented
// is the token the caller used: it stays out of rc, so that no validator
// sees it, until echoToken hands it to the response generator.
func (p *Pipeline) authorize(ctx context.Context, req Request, op sdk.Operation) (rc sdk.RegistrationContext, prof *Profile, presented string, _ error) {
	token, ok := auth.BearerToken(req.Authorization)
	if !ok {
		if req.Authorization == "" {
			return rc, nil, "", sdk.ErrInvalidToken().WithDescription("a registration access token is required")
		}
		return rc, nil, "", errBadToken
	}
	hash := sdk.HashToken(token)
	c, err := p.Store.GetByRegistrationToken(ctx, hash)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return rc, nil, "", errBadToken
	case err != nil:
		return rc, nil, "", storeError(err)
	}
	if c.ID != req.ClientID || !sdk.TokenMatches(token, c.RegistrationTokenHash) {
		p.revoke(ctx, c)
		return rc, nil, "", errBadToken
	}
	prof = p.Profiles[c.Profile]
	if err := checkOrigin(prof, req.Origin); err != nil {
		return rc, nil, "", err
	}
	rc = sdk.RegistrationContext{
		Operation: op,
		Client:    c.Clone(),
		Current:   &c,
		Caller: sdk.Caller{Method: sdk.AuthRegistrationAccessToken, Profile: c.Profile,
			Subject: c.ID, RemoteAddr: req.RemoteAddr},
		Now: p.now(),
	}
	if prof != nil {
		rc.Policy = prof.Policy
	}
	return rc, prof, token, nil
}

// echoToken gives the response generator the registration access token
// the caller presented when the request did not rotate it, so that the
// answer of a read or update carries registration_access_token (RFC 7592
// §3). A rotated (or revoked) token is never echoed: it no longer matches
// the client's hash.
func echoToken(rc sdk.RegistrationContext, presented string) sdk.RegistrationContext {
	if rc.Issued.RegistrationAccessToken == "" && presented != "" &&
		sdk.TokenMatches(presented, rc.Client.RegistrationTokenHash) {
		rc.Issued.RegistrationAccessToken = presented
	}
	return rc
}

// checkQuota refuses a registration that would take the profile past its
// max_clients. Replicas count at the same time, so the bound may be
// passed by as many registrations as run at once; it is a brake on abuse,
// not an exact quota.
func (p *Pipeline) checkQuota(ctx context.Context, prof *Profile) error {
	if prof.MaxClients <= 0 {
		return nil
	}
	n, err := p.Store.CountClients(ctx, prof.Name)
	if err != nil {
		return storeError(err)
	}
	if n >= prof.MaxClients {
		return sdk.ErrAccessDenied().WithDescription("registration profile %q has reached its limit of %d clients", prof.Name, prof.MaxClients)
	}
	return nil
}

// parseOptions are the sdk.ParseOptions of one create or update under
// prof. MaxUnknownBytes bounds the unknown members a profile keeps
// (keep_unknown_metadata); a profile that drops them ignores them as
// RFC 7591 §2 requires, whatever their size (the body size still bounds
// them, and every other rule of the body still applies to them).
func (p *Pipeline) parseOptions(prof *Profile, update bool) sdk.ParseOptions {
	opts := p.Parse
	opts.Update = update
	if !prof.Policy.KeepUnknownMetadata {
		opts.MaxUnknownBytes = math.MaxInt
	}
	return opts
}

// checkUpdateMembers applies RFC 7592 §2.2 to the server-managed members of
// an update body. reserved comes from sdk.ParseMetadata with Update, which
// omits a member sent as null: null for registration_client_uri,
// client_id_issued_at, client_secret_expires_at, registration_access_token
// or client_secret is no value, so nothing to refuse, and client_id: null
// is a missing client_id.
func checkUpdateMembers(cur sdk.Client, reserved map[string]json.RawMessage) error {
	raw, ok := reserved["client_id"]
	if !ok {
		return sdk.ErrInvalidRequest().WithDescription("client_id: is required in an update and must equal the client's id")
	}
	var id string
	if json.Unmarshal(raw, &id) != nil || id != cur.ID {
		return sdk.ErrInvalidRequest().WithDescription("client_id: does not match the client being updated")
	}
	if raw, ok := reserved["client_secret"]; ok {
		var secret string
		if json.Unmarshal(raw, &secret) != nil || !sdk.TokenMatches(secret, cur.SecretHash) {
			return sdk.ErrInvalidRequest().WithDescription("client_secret: does not match the client's current secret")
		}
	}
	if name := firstPresent(reserved, "registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"); name != "" {
		return sdk.ErrInvalidRequest().WithDescription("%s: is managed by the server and must not be sent in an update", name)
	}
	return nil
}

// validate runs the profile's validator chain. Each validator may change
// only the client metadata and the items, and sees only rc.ValidatorView():
// no plaintext credential, no hash, no sealed secret, whether it runs in
// process or in a plugin.
func (p *Pipeline) validate(ctx context.Context, prof *Profile, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	for _, v := range prof.Validators {
		out, err := v.Validate(ctx, rc.ValidatorView())
		if err != nil {
			return rc, stepError(err)
		}
		rc.Client.Metadata = out.Client.Metadata
		rc.Items = out.Items
	}
	return rc, nil
}

// process runs the processor, which may change the client, the issued
// credentials and the items. It is the one step that sees the whole
// context; Issued is empty when it is called.
//
// The processor may be a plugin, so its output is checked before anything
// is stored or answered (checkProcessed); a processor that breaks the
// contract gets an internal error (500 server_error, the cause in the log
// only), never a registration whose credentials do not work.
func (p *Pipeline) process(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	rc.Issued = sdk.Credentials{}
	out, err := p.Processor.Process(ctx, rc)
	if err != nil {
		return rc, stepError(err)
	}
	if rc.Current != nil {
		// Identity and bookkeeping of a stored client are not the
		// processor's to change.
		out.Client.ID = rc.Current.ID
		out.Client.Revision = rc.Current.Revision
		out.Client.Profile = rc.Current.Profile
	} else {
		// A new client belongs to the profile its caller registered
		// under, whose policy and quota were applied.
		out.Client.Profile = rc.Caller.Profile
	}
	if err := checkProcessed(rc.Current, out.Client, out.Issued); err != nil {
		return rc, err
	}
	rc.Client, rc.Issued, rc.Items = out.Client, out.Issued, out.Items
	return rc, nil
}

// checkProcessed checks a processor's output against the credentials it
// issued; cur is the stored client (nil on create). Every credential the
// caller is answered must work, and every credential the store keeps must
// have been answered once (RFC 7591 §3.2.1, RFC 7592 §3):
//
//   - the client has an id and a registration access token hash, and no
//     hash is sdk.RedactedHash;
//   - on create, and whenever the token hash changed, the issued
//     registration_access_token hashes to the new hash; an issued token
//     always does;
//   - whenever the secret hash changed (on create: whenever there is one),
//     the issued client_secret hashes to it, unless the new hash is empty
//     (the secret was removed because the auth method no longer uses
//     one); an issued secret always does.
//
// The errors name the broken rule, never a credential.
func checkProcessed(cur *sdk.Client, c sdk.Client, issued sdk.Credentials) error {
	if c.ID == "" || c.RegistrationTokenHash == "" {
		return errors.New("pipeline: the processor returned a client without an id or a registration access token")
	}
	if c.RegistrationTokenHash == sdk.RedactedHash || c.SecretHash == sdk.RedactedHash {
		return errors.New("pipeline: the processor returned a client with a redacted credential hash")
	}
	var oldToken, oldSecret string
	if cur != nil {
		oldToken, oldSecret = cur.RegistrationTokenHash, cur.SecretHash
	}
	if (cur == nil || c.RegistrationTokenHash != oldToken || issued.RegistrationAccessToken != "") &&
		!sdk.TokenMatches(issued.RegistrationAccessToken, c.RegistrationTokenHash) {
		if issued.RegistrationAccessToken == "" {
			return errors.New("pipeline: the processor set a registration access token without issuing it")
		}
		return errors.New("pipeline: the processor issued a registration access token that does not match the client's token hash")
	}
	if ((c.SecretHash != oldSecret && c.SecretHash != "") || issued.ClientSecret != "") &&
		!sdk.TokenMatches(issued.ClientSecret, c.SecretHash) {
		if issued.ClientSecret == "" {
			return errors.New("pipeline: the processor set a client secret without issuing it")
		}
		return errors.New("pipeline: the processor issued a client secret that does not match the client's secret hash")
	}
	return nil
}

// write stores the processed client over the current one.
func (p *Pipeline) write(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	rc.Client.UpdatedAt = rc.Now.Unix()
	stored, err := p.Store.Update(ctx, rc.Client)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return rc, errBadToken // deleted meanwhile
	case err != nil:
		return rc, storeError(err)
	}
	rc.Client = stored
	return rc, nil
}

// respond runs the response generator on rc.ResponseView(): the plaintext
// credentials it answers with, but no hash and no sealed secret.
func (p *Pipeline) respond(ctx context.Context, rc sdk.RegistrationContext) (sdk.Response, error) {
	resp, err := p.Response.Generate(ctx, rc.ResponseView(), p.ClientURI(rc.Client.ID))
	if err != nil {
		return sdk.Response{}, stepError(err)
	}
	return resp, nil
}

// ClientURI is the registration_client_uri of a client (RFC 7592 §3).
func (p *Pipeline) ClientURI(clientID string) string {
	return p.BaseURL + "/connect/dcr/" + url.PathEscape(clientID)
}

func (p *Pipeline) profile(name string) (*Profile, error) {
	prof, ok := p.Profiles[name]
	if !ok {
		return nil, errors.New("pipeline: caller authenticated for unknown profile " + name)
	}
	return prof, nil
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pipeline) log() hclog.Logger {
	if p.Logger == nil {
		return hclog.NewNullLogger()
	}
	return p.Logger
}

// stepError keeps *sdk.Error values and unavailability as they are; any
// other error of a step is internal.
func stepError(err error) error {
	if _, ok := sdk.AsError(err); ok {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return sdk.ErrTemporarilyUnavailable().WithCause(err)
	}
	return err
}

// storeError maps a store failure to its answer: a stale revision is 409
// (errConcurrentUpdate); an outage, a deadline and a canceled context are
// 503, as stepError answers them; an *sdk.Error is kept; anything else is
// internal (500, the cause in the log only).
func storeError(err error) error {
	if errors.Is(err, sdk.ErrConflict) {
		return errConcurrentUpdate
	}
	if errors.Is(err, sdk.ErrUnavailable) {
		return sdk.ErrTemporarilyUnavailable().WithCause(err)
	}
	return stepError(err)
}

func firstPresent(m map[string]json.RawMessage, names ...string) string {
	for _, n := range names {
		if _, ok := m[n]; ok {
			return n
		}
	}
	return ""
}

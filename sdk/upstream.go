package sdk

import "context"

// Upstream provisions registered clients into the authorization server
// that issues their tokens (the push model): every create, update and
// delete that Registrar answers with success has reached it, so that a
// 201 means the client can obtain tokens there.
//
// It is the one step besides the processor and the response generator that
// receives a plaintext credential: the client secret issued by the request,
// which the authorization server must be able to verify. It never receives
// the registration access token, which only Registrar checks, nor a hash or
// a sealed secret.
//
// The server orders the writes so that a failure leaves nothing
// half-done: on create the upstream is written first and its client
// deleted again when the local write fails; on update the local record is
// written first and put back when the upstream refuses; on delete the
// upstream client is deleted first and the registration stays manageable
// when that fails. What a crash between two writes leaves, `registrar
// reconcile` finds through List.
//
// Errors: an *Error (ErrInvalidClientMetadata, ErrInvalidRedirectURI, …)
// when the authorization server refuses the client, naming the field but
// never quoting the upstream's internals; ErrUnavailable (or any other
// error) when it cannot answer, which the caller gets as 503 with
// Retry-After; ErrNotFound from Update and Delete when it has no such
// client.
type Upstream interface {
	// Create provisions a new client. p.Client.ID is the client_id
	// Registrar chose; an authorization server that assigns its own
	// returns it in Provisioned.ClientID, and Registrar registers the
	// client under that id instead.
	Create(ctx context.Context, p Provision) (Provisioned, error)
	// Update replaces the upstream client p.Client.ID with p (RFC 7592
	// §2.2: the whole metadata, members left out are removed). When
	// p.ClientSecret is empty and p.Client.HasSecret(), the upstream keeps
	// the client's current secret.
	Update(ctx context.Context, p Provision) (Provisioned, error)
	// Delete removes the upstream client, after which the authorization
	// server refuses its credentials. ErrNotFound when it has no such
	// client, which the server counts as deleted.
	Delete(ctx context.Context, clientID string) error
	// List returns one page of the upstream clients this Registrar
	// provisioned (those carrying its marker), for reconciliation: the
	// first page for an empty pageToken, and Next empty on the last page.
	// Clients the upstream holds for other owners are never listed.
	List(ctx context.Context, pageToken string) (UpstreamPage, error)
	// Health returns nil when the authorization server can be written.
	Health(ctx context.Context) error
}

// Provision is what an Upstream receives for one write.
type Provision struct {
	// Operation is OperationCreate or OperationUpdate; reconciliation
	// writes with the operation it repairs.
	Operation Operation `json:"operation"`
	// Client is the client as Registrar stores it once the write is done,
	// without credentials: the hashes are RedactedHash when set and the
	// sealed secret is nil (RegistrationContext.ResponseView).
	// Client.HasSecret tells whether the client has a secret, and
	// Client.SecretExpiresAt when it expires.
	Client Client `json:"client"`
	// ClientSecret is the plaintext client secret issued by this request
	// (RFC 7591 §3.2.1), or "" when the request issued none: on create the
	// client then has no secret; on update it keeps its current one, unless
	// Client.HasSecret is false and the secret is removed.
	ClientSecret string `json:"-"`
	// Revision is the revision of Registrar's record once written
	// (Client.Revision after the store's write). An upstream keeps it with
	// its marker so that reconciliation can tell a stale upstream client.
	Revision int64 `json:"revision"`
}

// Provisioned is what the authorization server assigned in a write, for
// servers that choose a client's credentials themselves. Empty fields
// keep what Registrar chose.
type Provisioned struct {
	// ClientID is the client_id the authorization server assigned, on
	// create only; "" keeps Registrar's.
	ClientID string `json:"client_id,omitempty"`
	// ClientSecret is the client secret the authorization server assigned,
	// replacing the one Registrar issued; "" keeps it. Only a client with
	// a secret may get one.
	ClientSecret string `json:"-"`
}

// UpstreamPage is one page of Upstream.List.
type UpstreamPage struct {
	// Clients are the provisioned clients of the page.
	Clients []UpstreamClient `json:"clients"`
	// Next is the token of the following page; "" on the last one.
	Next string `json:"next,omitempty"`
}

// UpstreamClient is what reconciliation needs to know of an upstream
// client Registrar provisioned.
type UpstreamClient struct {
	// ID is the client_id.
	ID string `json:"client_id"`
	// Revision is the Provision.Revision of the last write the upstream
	// received; 0 when it does not keep one.
	Revision int64 `json:"revision,omitempty"`
	// CreatedAt is when the upstream client was created, in seconds since
	// the epoch; 0 when unknown. Reconciliation leaves clients younger
	// than its grace period alone: their registration may be in flight.
	CreatedAt int64 `json:"created_at,omitempty"`
}

// ProvisionOf returns the Provision of a create or update whose context
// has been processed: rc.Client without credentials, the client secret
// rc.Issued holds, and the revision the store will give the record.
func ProvisionOf(rc RegistrationContext) Provision {
	view := rc.ResponseView()
	rev := int64(1)
	if rc.Current != nil {
		rev = rc.Current.Revision + 1
	}
	return Provision{
		Operation:    rc.Operation,
		Client:       view.Client,
		ClientSecret: rc.Issued.ClientSecret,
		Revision:     rev,
	}
}

// String hides the client secret so a stray log line cannot leak it.
func (p Provision) String() string {
	return "sdk.Provision{" + string(p.Operation) + " " + p.Client.ID + " REDACTED}"
}

// GoString hides the client secret from %#v as well.
func (p Provision) GoString() string { return p.String() }

// String hides the client secret so a stray log line cannot leak it.
func (p Provisioned) String() string { return "sdk.Provisioned{" + p.ClientID + " REDACTED}" }

// GoString hides the client secret from %#v as well.
func (p Provisioned) GoString() string { return p.String() }

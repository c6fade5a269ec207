package sdk

import "context"

// Validator checks a create or update request and decides the client
// metadata to register (RFC 7591 §3.2.2). Validators form a chain: each
// receives the context as the previous one returned it.
//
// Validate returns the context with Client.Metadata set to the accepted
// metadata (and Items, if it passes values on). To refuse a request it
// returns an *Error, usually ErrInvalidClientMetadata or
// ErrInvalidRedirectURI refined with a description that names the field.
// Any other error is answered as server_error and logged.
//
// A validator receives RegistrationContext.ValidatorView: no plaintext
// credential and no hash or sealed secret of Client or Current.
type Validator interface {
	Validate(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
}

// Processor turns validated metadata into a client record: it assigns the
// client_id and client_id_issued_at, issues the client secret when the
// auth method needs one and the registration access token, and hashes both
// (RFC 7591 §3.2.1, RFC 7592 §3).
//
// Process returns the context with Client completed and Issued holding the
// plaintext values; they must not be stored or logged. The processor is the
// only step that receives the full context, hashes and sealed secret
// included; Issued is empty when it is called.
//
// The server checks the result before storing it: a new client gets its
// caller's profile whatever the processor set; the issued registration
// access token must hash to Client.RegistrationTokenHash on create and
// whenever the hash changes; the issued client secret must hash to
// Client.SecretHash whenever that hash changes (on create: whenever there
// is one), unless it becomes empty; and any credential in Issued must match
// its hash. A result that breaks these is answered as server_error and
// logged, never stored.
type Processor interface {
	Process(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
}

// Store is the whole storage contract: clients, initial access tokens and
// software-statement jtis. The built-in stores implement all of it. A store
// backed by another system (an authorization server's admin API, say) may
// implement ClientStore alone and leave TokenStore and JTIStore to another
// store: the server composes them (see the store blocks of the server
// configuration), and a plugin serves each part as its own kind.
//
// Records are whole values with a revision for optimistic concurrency; a
// store never merges. Errors of every part: ErrNotFound when the record does
// not exist, ErrAlreadyExists on a duplicate, ErrConflict on a stale
// revision, ErrUnavailable (or any other error) when the store cannot
// answer. A store must never report an outage as ErrNotFound.
type Store interface {
	ClientStore
	TokenStore
	JTIStore
}

// ClientStore keeps the registered clients (RFC 7591 §3.2.1, RFC 7592):
// whole records with a revision, never merged. Its errors are those of
// Store.
type ClientStore interface {
	// Create stores a new client and returns it with Revision 1.
	// ErrAlreadyExists on a duplicate client_id.
	Create(ctx context.Context, c Client) (Client, error)
	// Get returns the client with the given client_id, or ErrNotFound.
	Get(ctx context.Context, clientID string) (Client, error)
	// GetByRegistrationToken returns the client whose
	// RegistrationTokenHash equals tokenHash (RFC 7592 §3), or ErrNotFound;
	// an empty tokenHash never matches.
	GetByRegistrationToken(ctx context.Context, tokenHash string) (Client, error)
	// Update replaces the stored client with c if the stored revision
	// equals c.Revision, and returns it with the revision incremented;
	// ErrConflict on a stale revision, ErrNotFound when there is no such
	// client.
	Update(ctx context.Context, c Client) (Client, error)
	// Delete removes the client if the stored revision equals revision;
	// ErrConflict on a stale revision, ErrNotFound when there is no such
	// client.
	Delete(ctx context.Context, clientID string, revision int64) error
	// CountClients returns the number of clients registered under profile
	// (Client.Profile), for the profile's max_clients limit.
	CountClients(ctx context.Context, profile string) (int64, error)
	// Health returns nil when the store can serve requests.
	Health(ctx context.Context) error
}

// TokenStore keeps initial access tokens (RFC 7591 §3): records with a
// revision, holding the token's hash only. Its errors are those of Store.
type TokenStore interface {
	// CreateToken stores a new initial access token and returns it with
	// Revision 1. A duplicate ID or Hash is ErrAlreadyExists.
	CreateToken(ctx context.Context, t InitialAccessToken) (InitialAccessToken, error)
	// GetToken returns the initial access token whose Hash equals hash, or
	// ErrNotFound.
	GetToken(ctx context.Context, hash string) (InitialAccessToken, error)
	// ListTokens returns every initial access token, revoked and expired
	// ones included, ordered by CreatedAt then ID.
	ListTokens(ctx context.Context) ([]InitialAccessToken, error)
	// UpdateToken replaces the stored token with the same ID if the stored
	// revision equals t.Revision, and returns it with the revision
	// incremented; ErrConflict on a stale revision, ErrNotFound when there
	// is no such token. The server counts uses and revokes through it, so
	// that two concurrent uses of a one-use token cannot both succeed.
	UpdateToken(ctx context.Context, t InitialAccessToken) (InitialAccessToken, error)
	// Health returns nil when the store can serve requests.
	Health(ctx context.Context) error
}

// JTIStore records the software statements already used, for the replay
// check of RFC 7591 §2.3 (jti, RFC 7519 §4.1.7).
type JTIStore interface {
	// MarkJTIUsed records that the software statement identified by key
	// (issuer and jti) was used, until expiresAt (seconds since the epoch).
	// It fails with ErrAlreadyExists when key is recorded with an
	// expiresAt later than now: the statement is a replay. A record whose
	// expiresAt has passed is replaced. Of concurrent first uses of one key
	// exactly one succeeds.
	MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error
	// Health returns nil when the store can serve requests.
	Health(ctx context.Context) error
}

// Response is an HTTP answer produced by a ResponseGenerator.
type Response struct {
	// Status is the HTTP status: 201 create, 200 read and update, 204
	// delete.
	Status int `json:"status"`
	// Body is the JSON body; empty for 204.
	Body []byte `json:"body,omitempty"`
}

// ResponseGenerator writes the answer of a successful request: the client
// information response of RFC 7591 §3.2.1 and RFC 7592 §2.1/§2.2, or an
// empty 204 for delete (RFC 7592 §2.3). Errors are written by the server.
//
// registrationClientURI is the URI the client manages itself with.
//
// The generator receives RegistrationContext.ResponseView: Issued holds the
// plaintext credentials to answer with (the client secret when one was
// issued, the registration access token when one was issued or, unrotated,
// presented), and Client.HasSecret and Client.SecretExpiresAt tell whether
// to write client_secret_expires_at; the hashes are RedactedHash and the
// sealed secret is nil.
type ResponseGenerator interface {
	Generate(ctx context.Context, rc RegistrationContext, registrationClientURI string) (Response, error)
}

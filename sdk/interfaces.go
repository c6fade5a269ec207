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
type Validator interface {
	Validate(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
}

// Processor turns validated metadata into a client record: it assigns the
// client_id and client_id_issued_at, issues the client secret when the
// auth method needs one and the registration access token, and hashes both
// (RFC 7591 §3.2.1, RFC 7592 §3).
//
// Process returns the context with Client completed and Issued holding the
// plaintext values; they must not be stored or logged.
type Processor interface {
	Process(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
}

// Store keeps client records. Records are whole values with a revision for
// optimistic concurrency; a Store never merges.
//
// Errors: ErrNotFound when the record does not exist, ErrAlreadyExists on a
// duplicate client_id, ErrConflict on a stale revision, ErrUnavailable (or
// any other error) when the store cannot answer. A store must never report
// an outage as ErrNotFound.
type Store interface {
	// Create stores a new client and returns it with Revision 1.
	Create(ctx context.Context, c Client) (Client, error)
	// Get returns the client with the given client_id.
	Get(ctx context.Context, clientID string) (Client, error)
	// GetByRegistrationToken returns the client whose
	// RegistrationTokenHash equals tokenHash.
	GetByRegistrationToken(ctx context.Context, tokenHash string) (Client, error)
	// Update replaces the stored client with c if the stored revision
	// equals c.Revision, and returns it with the revision incremented.
	Update(ctx context.Context, c Client) (Client, error)
	// Delete removes the client if the stored revision equals revision.
	Delete(ctx context.Context, clientID string, revision int64) error
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
type ResponseGenerator interface {
	Generate(ctx context.Context, rc RegistrationContext, registrationClientURI string) (Response, error)
}

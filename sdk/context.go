package sdk

import "time"

// Operation is what the caller asked for.
type Operation string

// Operations of RFC 7591 §3 and RFC 7592 §2.
const (
	OperationCreate Operation = "create"
	OperationRead   Operation = "read"
	OperationUpdate Operation = "update"
	OperationDelete Operation = "delete"
)

// AuthMethod names how a caller authenticated.
type AuthMethod string

// Caller authentication methods.
const (
	// AuthAnonymous: no credential; allowed only by an open profile.
	AuthAnonymous AuthMethod = "anonymous"
	// AuthInitialAccessToken: an initial access token (RFC 7591 §3).
	AuthInitialAccessToken AuthMethod = "initial_access_token"
	// AuthBearerJWT: a JWT access token from a trusted authority.
	AuthBearerJWT AuthMethod = "bearer_jwt"
	// AuthRegistrationAccessToken: the client's registration access token
	// (RFC 7592 §1).
	AuthRegistrationAccessToken AuthMethod = "registration_access_token"
)

// Caller is who made the request and how they proved it.
type Caller struct {
	// Method is how the caller authenticated.
	Method AuthMethod `json:"method"`
	// Profile is the registration profile that applies.
	Profile string `json:"profile"`
	// TokenID identifies the credential presented (the name of a static
	// initial access token, a token record id, a JWT's jti); never the
	// token itself.
	TokenID string `json:"token_id,omitempty"`
	// Subject is the authenticated subject, when the credential has one.
	Subject string `json:"subject,omitempty"`
	// Claims are the verified claims of a bearer JWT.
	Claims map[string]any `json:"claims,omitempty"`
	// RemoteAddr is the caller's IP address.
	RemoteAddr string `json:"remote_addr,omitempty"`
}

// Redirect URI modes of Policy.RedirectURIMode.
const (
	RedirectURIModeStandard = "standard"
	RedirectURIModeStrict   = "strict"
)

// Policy is what a registration profile allows. The server fills it from
// the configuration and passes it in every RegistrationContext, so that
// validation steps running in a plugin apply the same rules.
type Policy struct {
	// GrantTypes allowed (RFC 7591 §2). Empty allows none.
	GrantTypes []string `json:"grant_types"`
	// ResponseTypes allowed (RFC 7591 §2).
	ResponseTypes []string `json:"response_types"`
	// AuthMethods are the allowed token_endpoint_auth_method values.
	AuthMethods []string `json:"token_endpoint_auth_methods"`
	// Scopes allowed. Empty means any scope the client asks for is refused
	// unless it equals DefaultScope.
	Scopes []string `json:"scopes"`
	// DefaultScope is applied when the request has no scope.
	DefaultScope string `json:"default_scope,omitempty"`
	// RedirectURIMode is RedirectURIModeStandard or RedirectURIModeStrict.
	RedirectURIMode string `json:"redirect_uri_mode"`
	// AllowHTTPRedirects allows http (not only https) redirect URIs for
	// web clients on hosts other than loopback. Off by default; http on a
	// loopback host is allowed outside strict mode without it.
	AllowHTTPRedirects bool `json:"allow_http_redirects,omitempty"`
	// InferNativeApplicationType treats a request without application_type
	// as "native" instead of OpenID Connect's default "web" (OpenID Connect
	// DCR 1.0 §2) when it has redirect URIs and every one of them is an
	// http URI on a loopback host (127.0.0.1, [::1], localhost) or uses a
	// private-use scheme ("cursor://...", RFC 8252 §7.1, §7.3): redirect
	// URIs only an app on the user's device can receive. Meant for open
	// profiles of MCP clients, some of which never send application_type.
	// The inferred type is stored and echoed. Off by default.
	InferNativeApplicationType bool `json:"infer_native_application_type,omitempty"`
	// SigningAlgs are the JWS algorithms allowed in *_alg metadata and for
	// client keys. "none" is never allowed.
	SigningAlgs []string `json:"signing_algs"`
	// KeepUnknownMetadata keeps members Registrar does not know instead
	// of dropping them (RFC 7591 §2).
	KeepUnknownMetadata bool `json:"keep_unknown_metadata,omitempty"`
	// SecretEncryption is true when the server's processor can keep a
	// client secret the server can recover (sealed), which
	// client_secret_jwt and the HMAC signing algorithms require. The
	// server sets it only when its built-in processor holds
	// secrets.encryption_key; with a processor plugin it is false, since
	// the key never leaves the server.
	SecretEncryption bool `json:"secret_encryption,omitempty"`
	// MaxLifetime bounds the token lifetime extension fields, in seconds;
	// 0 means no bound beyond being positive.
	MaxLifetime int64 `json:"max_lifetime,omitempty"`
	// ClientSecretLifetime is the lifetime of issued client secrets, in
	// seconds; 0 means they never expire (client_secret_expires_at = 0).
	ClientSecretLifetime int64 `json:"client_secret_lifetime,omitempty"`
	// TokenRotation says when the registration access token is replaced
	// (RFC 7592 §3): RotateOnUpdate (default), RotateNever or
	// RotateOnEveryUse.
	TokenRotation string `json:"token_rotation,omitempty"`
}

// Registration access token rotation policies (Policy.TokenRotation).
const (
	RotateOnUpdate   = "on_update"
	RotateNever      = "never"
	RotateOnEveryUse = "on_every_use"
)

// RegistrationContext is the state of one request as it travels through
// the pipeline: authenticate → parse → validators → processor → store →
// response generator.
//
// Steps receive it by value and return a new one. The pipeline takes from
// the result only what the step may change: validators Client.Metadata and
// Items; the processor Client, Issued and Items. A step must not modify the
// slices or maps of its argument in place.
//
// Only the processor handles credentials. Validators receive the
// ValidatorView of the context (no plaintext credential, no hash, no
// sealed secret) and the response generator the ResponseView (the
// plaintext credentials it must answer with, no hash, no sealed secret);
// the server applies the views to in-process steps and plugins alike, and
// the plugin wire carries only the view.
type RegistrationContext struct {
	// Operation is what the caller asked for.
	Operation Operation `json:"operation"`
	// Request is the client metadata as sent, type-checked but not yet
	// validated. Empty for read and delete.
	Request Metadata `json:"request"`
	// SoftwareStatementClaims are the verified claims of the request's
	// software statement (RFC 7591 §2.3), if any.
	SoftwareStatementClaims map[string]any `json:"software_statement_claims,omitempty"`
	// Client is the client being built (create, update) or the stored one
	// (read, delete).
	Client Client `json:"client"`
	// Current is the stored client before this request (update, read,
	// delete); nil on create.
	Current *Client `json:"current,omitempty"`
	// Caller is who made the request.
	Caller Caller `json:"caller"`
	// Policy is the policy of the caller's profile.
	Policy Policy `json:"policy"`
	// Issued holds the plaintext credentials issued by this request: the
	// processor sets them, the response generator echoes them (RFC 7591
	// §3.2.1, RFC 7592 §3), and no other step sees them. Empty until the
	// processor ran; on a read or an update whose registration access token
	// is not rotated, the server puts the token the caller presented here
	// only for the response generator.
	Issued Credentials `json:"-"`
	// Items passes values between steps.
	Items map[string]string `json:"items,omitempty"`
	// Now is the request time; steps use it instead of the clock.
	Now time.Time `json:"now"`
}

// RedactedHash stands in for a credential hash (Client.SecretHash,
// Client.RegistrationTokenHash) in the views of a RegistrationContext that
// validators and the response generator receive. It is not hex, so it never
// equals the hash of any credential; Client.HasSecret still tells whether
// the client has a secret.
const RedactedHash = "redacted"

// ValidatorView returns what a validator receives: rc without any
// credential. Issued is empty, and in Client and Current the secret hash and
// the registration access token hash are RedactedHash when set and the
// sealed secret is nil. Everything else, SecretExpiresAt included, is kept.
// A validator decides metadata (RFC 7591 §3.2.2); it never needs a
// credential, and one it never receives cannot leak from it.
func (rc RegistrationContext) ValidatorView() RegistrationContext {
	rc = rc.ResponseView()
	rc.Issued = Credentials{}
	return rc
}

// ResponseView returns what the response generator receives: rc with the
// plaintext credentials of Issued, which the client information response
// carries once (RFC 7591 §3.2.1, RFC 7592 §3), but with the hashes
// redacted and the sealed secret dropped as in ValidatorView. Whether the
// client has a secret (Client.HasSecret) and when it expires
// (Client.SecretExpiresAt) stay readable.
func (rc RegistrationContext) ResponseView() RegistrationContext {
	rc.Client = rc.Client.redacted()
	if rc.Current != nil {
		cur := rc.Current.redacted()
		rc.Current = &cur
	}
	return rc
}

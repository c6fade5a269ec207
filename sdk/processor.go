package sdk

import (
	"context"
	"errors"
)

// DefaultProcessor is the built-in request processor, the one the server
// runs when no processor plugin is configured. A processor plugin that
// changes one thing (the format of the client_id, say) embeds or calls it
// instead of copying it, so that the security-critical part — how secrets
// and tokens are issued, hashed, sealed and rotated — is written once.
//
// What it does, by operation (RFC 7591 §3.2.1, RFC 7592 §2 and §3):
//
//   - Create: the client gets its client_id (ClientID, or a RandomToken),
//     client_id_issued_at (rc.Now) and the profile of its caller; a client
//     secret when its token_endpoint_auth_method needs one (NeedsSecret:
//     never for none, private_key_jwt or the TLS methods), expiring after
//     rc.Policy.ClientSecretLifetime seconds (0: never); and a registration
//     access token. Both are RandomToken values kept only as HashToken
//     hashes; the plaintext is in rc.Issued.
//   - Update: the identity (client_id, issued_at, profile, revision) and the
//     secret are kept. The secret is dropped when the new auth method needs
//     none, and a new one is issued when the client had none, when its
//     secret has expired (Client.SecretExpired; RFC 7592 §2.2 lets the
//     server issue a new secret, and the answer then carries it with a
//     future client_secret_expires_at) or when it moves to
//     client_secret_jwt without a sealed secret. The registration access
//     token is rotated unless rc.Policy.TokenRotation is RotateNever.
//   - Read: the registration access token is rotated only under
//     RotateOnEveryUse.
//   - Delete: nothing changes.
//
// client_secret_jwt (RFC 7523 §2.2) needs a secret the authorization server
// can recover: its secret is also sealed with Sealer, bound to the
// client_id. Without a Sealer such a client is refused with
// ErrInvalidClientMetadata ("this processor cannot keep a recoverable
// secret"). The server's validation refuses client_secret_jwt first unless
// Policy.SecretEncryption, which it sets only for its built-in processor
// holding a key; a processor plugin never gets the server's key.
//
// The zero value is ready to use: random client ids, no sealer. The
// secret lifetime and the rotation come from rc.Policy (the profile); a
// plugin that needs another lifetime sets rc.Policy.ClientSecretLifetime
// before calling Process. DefaultProcessor never modifies the maps or
// slices of its argument, and is safe for concurrent use when its hooks
// are.
type DefaultProcessor struct {
	// ClientID returns the client_id of a new client; it is called once per
	// create, with the context Process received, before any credential is
	// issued. The value must be unique at this server (RFC 7591 §3.2.1), so
	// it should carry a RandomToken; a store refuses a duplicate with
	// ErrAlreadyExists. An *Error it returns is the answer to the client
	// (ErrAccessDenied, for instance); an empty id is refused as an
	// internal error. nil means RandomToken.
	ClientID func(ctx context.Context, rc RegistrationContext) (string, error)

	// Sealer seals the secrets of client_secret_jwt clients; nil refuses
	// such clients. The server builds it from its secret_encryption_key
	// (NewAESSealer); a plugin that needs recoverable secrets builds its own
	// from a key in its configuration. The key never leaves the Sealer.
	Sealer Sealer
}

var _ Processor = DefaultProcessor{}

// errUpdateWithoutCurrent is a programming error of the caller of Process.
var errUpdateWithoutCurrent = errors.New("sdk: DefaultProcessor: update without the current client")

// Process implements Processor; see DefaultProcessor.
func (p DefaultProcessor) Process(ctx context.Context, rc RegistrationContext) (RegistrationContext, error) {
	switch rc.Operation {
	case OperationCreate:
		id, err := p.clientID(ctx, rc)
		if err != nil {
			return rc, err
		}
		rc.Client = Client{ID: id, Metadata: rc.Client.Metadata, IssuedAt: rc.Now.Unix(), Profile: rc.Caller.Profile}
		if err := p.issueSecret(&rc); err != nil {
			return rc, err
		}
		return rc, issueToken(&rc)

	case OperationUpdate:
		if rc.Current == nil {
			return rc, errUpdateWithoutCurrent
		}
		cur := *rc.Current
		md := rc.Client.Metadata
		rc.Client = cur.Clone() // the identity never changes
		rc.Client.Metadata = md
		method := md.TokenEndpointAuthMethod
		switch {
		case !NeedsSecret(method):
			rc.Client.SecretHash, rc.Client.SecretSealed, rc.Client.SecretExpiresAt = "", nil, 0
		case !cur.HasSecret(), cur.SecretExpired(rc.Now), method == AuthClientSecretJWT && cur.SecretSealed == nil:
			if err := p.issueSecret(&rc); err != nil {
				return rc, err
			}
		case method != AuthClientSecretJWT:
			rc.Client.SecretSealed = nil // no longer needs to be recoverable
		}
		if rc.Policy.TokenRotation != RotateNever {
			return rc, issueToken(&rc)
		}
		return rc, nil

	case OperationRead:
		if rc.Policy.TokenRotation == RotateOnEveryUse {
			return rc, issueToken(&rc)
		}
	}
	return rc, nil
}

// clientID returns the id of a new client: the hook's, or a random one.
func (p DefaultProcessor) clientID(ctx context.Context, rc RegistrationContext) (string, error) {
	if p.ClientID == nil {
		return RandomToken()
	}
	id, err := p.ClientID(ctx, rc)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("sdk: DefaultProcessor: the ClientID hook returned an empty client_id")
	}
	return id, nil
}

// issueSecret issues a client secret when the auth method needs one, and
// seals it for client_secret_jwt. rc.Client.ID must be final: the sealed
// secret is bound to it.
func (p DefaultProcessor) issueSecret(rc *RegistrationContext) error {
	method := rc.Client.Metadata.TokenEndpointAuthMethod
	if !NeedsSecret(method) {
		return nil
	}
	if method == AuthClientSecretJWT && p.Sealer == nil {
		return ErrInvalidClientMetadata().WithDescription("token_endpoint_auth_method: client_secret_jwt needs a recoverable secret, and this processor cannot keep a recoverable secret")
	}
	secret, err := RandomToken()
	if err != nil {
		return err
	}
	rc.Client.SecretHash = HashToken(secret)
	rc.Client.SecretSealed = nil
	if method == AuthClientSecretJWT {
		if rc.Client.SecretSealed, err = p.Sealer.Seal(rc.Client.ID, secret); err != nil {
			return err
		}
	}
	rc.Client.SecretExpiresAt = 0
	if lt := rc.Policy.ClientSecretLifetime; lt > 0 {
		rc.Client.SecretExpiresAt = rc.Now.Unix() + lt
	}
	rc.Issued.ClientSecret = secret
	return nil
}

// issueToken issues a new registration access token; the old one dies
// with its hash.
func issueToken(rc *RegistrationContext) error {
	token, err := RandomToken()
	if err != nil {
		return err
	}
	rc.Client.RegistrationTokenHash = HashToken(token)
	rc.Issued.RegistrationAccessToken = token
	return nil
}

package pipeline

import (
	"context"
	"fmt"

	"github.com/registrar-dcr/registrar/sdk"
)

// Processor is the built-in request processor (DESIGN §2): it assigns
// client ids, issues client secrets and registration access tokens
// (RFC 7591 §3.2.1, RFC 7592 §3) and keeps only their SHA-256 hashes.
type Processor struct {
	// Sealer seals secrets for client_secret_jwt; nil when the server has
	// no secret encryption key, in which case such clients are refused.
	Sealer *Sealer
}

var _ sdk.Processor = Processor{}

// Process implements sdk.Processor.
//
// On create it assigns a random client_id, issues a secret when the auth
// method needs one (never for none, private_key_jwt or the TLS methods) and
// a registration access token. On update it keeps the identity and the
// secret while the auth method still needs one (a new secret when the
// client had none, when its secret has expired — RFC 7592 §2.2 lets the
// server issue a new one, and the answer then carries it with a future
// client_secret_expires_at — or when it moves to client_secret_jwt without
// a sealed one), and rotates the registration access token unless the policy says never. On
// read it rotates the token only under RotateOnEveryUse.
func (p Processor) Process(_ context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	now := rc.Now.Unix()
	switch rc.Operation {
	case sdk.OperationCreate:
		id, err := sdk.RandomToken()
		if err != nil {
			return rc, err
		}
		md := rc.Client.Metadata
		rc.Client = sdk.Client{ID: id, Metadata: md, IssuedAt: now, Profile: rc.Caller.Profile}
		if err := p.issueSecret(&rc); err != nil {
			return rc, err
		}
		return rc, issueToken(&rc)

	case sdk.OperationUpdate:
		if rc.Current == nil {
			return rc, fmt.Errorf("pipeline: update without the current client")
		}
		cur := *rc.Current
		md := rc.Client.Metadata
		rc.Client = cur.Clone()
		rc.Client.Metadata = md
		method := md.TokenEndpointAuthMethod
		switch {
		case !sdk.NeedsSecret(method):
			rc.Client.SecretHash, rc.Client.SecretSealed, rc.Client.SecretExpiresAt = "", nil, 0
		case !cur.HasSecret(), cur.SecretExpired(rc.Now), method == "client_secret_jwt" && cur.SecretSealed == nil:
			if err := p.issueSecret(&rc); err != nil {
				return rc, err
			}
		case method != "client_secret_jwt":
			rc.Client.SecretSealed = nil // no longer needs to be recoverable
		}
		if rc.Policy.TokenRotation != sdk.RotateNever {
			return rc, issueToken(&rc)
		}
		return rc, nil

	case sdk.OperationRead:
		if rc.Policy.TokenRotation == sdk.RotateOnEveryUse {
			return rc, issueToken(&rc)
		}
		return rc, nil
	}
	return rc, nil
}

func (p Processor) issueSecret(rc *sdk.RegistrationContext) error {
	method := rc.Client.Metadata.TokenEndpointAuthMethod
	if !sdk.NeedsSecret(method) {
		return nil
	}
	secret, err := sdk.RandomToken()
	if err != nil {
		return err
	}
	rc.Client.SecretHash = sdk.HashToken(secret)
	rc.Client.SecretSealed = nil
	if method == "client_secret_jwt" {
		if p.Sealer == nil {
			return sdk.ErrInvalidClientMetadata.WithDescription("token_endpoint_auth_method: client_secret_jwt needs a recoverable secret and this server has no secret encryption key configured")
		}
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

func issueToken(rc *sdk.RegistrationContext) error {
	token, err := sdk.RandomToken()
	if err != nil {
		return err
	}
	rc.Client.RegistrationTokenHash = sdk.HashToken(token)
	rc.Issued.RegistrationAccessToken = token
	return nil
}

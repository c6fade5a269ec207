package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sync/atomic"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// tenantRE is a tenant name: it becomes the first part of a client_id, so
// it is short and needs no escaping anywhere.
var tenantRE = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// itemTenant is the Items key under which Process records the tenant of a
// new client, for the steps after it (a store, a response generator).
const itemTenant = "tenant"

// config is the decoded config block.
type config struct {
	claim         string // the caller claim holding the tenant
	defaultTenant string // "" refuses callers without the claim
}

// processor is the Processor. Its configuration is replaced as a whole by
// configure.
type processor struct {
	cfg atomic.Pointer[config]
}

var _ sdk.Processor = (*processor)(nil)

var errNotConfigured = errors.New("tenant-prefix: not configured")

// Process implements sdk.Processor; see the package documentation.
func (p *processor) Process(_ context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	cfg := p.cfg.Load()
	if cfg == nil {
		return rc, errNotConfigured
	}
	switch rc.Operation {
	case sdk.OperationCreate:
		tenant, err := cfg.tenant(rc.Caller)
		if err != nil {
			return rc, err
		}
		random, err := sdk.RandomToken()
		if err != nil {
			return rc, err
		}
		rc.Client = sdk.Client{
			ID:       tenant + "." + random,
			Metadata: rc.Client.Metadata,
			IssuedAt: rc.Now.Unix(),
			Profile:  rc.Caller.Profile,
		}
		items := maps.Clone(rc.Items) // never change the argument's map
		if items == nil {
			items = map[string]string{}
		}
		items[itemTenant] = tenant
		rc.Items = items
		if err := issueSecret(&rc); err != nil {
			return rc, err
		}
		return rc, issueToken(&rc)

	case sdk.OperationUpdate:
		if rc.Current == nil {
			return rc, errors.New("tenant-prefix: update without the current client")
		}
		cur := *rc.Current
		md := rc.Client.Metadata
		rc.Client = cur.Clone() // the id, and with it the tenant, never change
		rc.Client.Metadata = md
		method := md.TokenEndpointAuthMethod
		switch {
		case !sdk.NeedsSecret(method):
			rc.Client.SecretHash, rc.Client.SecretSealed, rc.Client.SecretExpiresAt = "", nil, 0
		case !cur.HasSecret(), cur.SecretExpired(rc.Now), method == sdk.AuthClientSecretJWT && cur.SecretSealed == nil:
			if err := issueSecret(&rc); err != nil {
				return rc, err
			}
		case method != sdk.AuthClientSecretJWT:
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
	}
	return rc, nil
}

// tenant returns the caller's tenant: its claim, or the default.
func (c *config) tenant(caller sdk.Caller) (string, error) {
	v, ok := caller.Claims[c.claim]
	if !ok || v == nil {
		if c.defaultTenant == "" {
			return "", sdk.ErrAccessDenied.WithDescription("the credential carries no %s claim, which this server needs to register a client", c.claim)
		}
		return c.defaultTenant, nil
	}
	s, ok := v.(string)
	if !ok || !tenantRE.MatchString(s) {
		return "", sdk.ErrAccessDenied.WithDescription("the credential's %s claim is not a valid tenant name", c.claim)
	}
	return s, nil
}

// issueSecret issues a client secret when the auth method needs one.
// client_secret_jwt is refused: its secret must be recoverable, and this
// processor holds no key to seal it.
func issueSecret(rc *sdk.RegistrationContext) error {
	method := rc.Client.Metadata.TokenEndpointAuthMethod
	if !sdk.NeedsSecret(method) {
		return nil
	}
	if method == sdk.AuthClientSecretJWT {
		return sdk.ErrInvalidClientMetadata.WithDescription("token_endpoint_auth_method: client_secret_jwt is not supported here (the secret would have to be recoverable); use private_key_jwt or client_secret_basic")
	}
	secret, err := sdk.RandomToken()
	if err != nil {
		return err
	}
	rc.Client.SecretHash = sdk.HashToken(secret)
	rc.Client.SecretSealed = nil
	rc.Client.SecretExpiresAt = 0
	if lt := rc.Policy.ClientSecretLifetime; lt > 0 {
		rc.Client.SecretExpiresAt = rc.Now.Unix() + lt
	}
	rc.Issued.ClientSecret = secret
	return nil
}

// issueToken issues a new registration access token; the old one dies.
func issueToken(rc *sdk.RegistrationContext) error {
	token, err := sdk.RandomToken()
	if err != nil {
		return err
	}
	rc.Client.RegistrationTokenHash = sdk.HashToken(token)
	rc.Issued.RegistrationAccessToken = token
	return nil
}

// configure decodes and checks the config block:
//
//	{"claim": "tenant", "default_tenant": "public"}
//
// Both are optional: claim defaults to "tenant"; without default_tenant a
// caller without the claim is refused.
func (p *processor) configure(_ context.Context, raw []byte) error {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return &plugin.ConfigError{Message: "the config block must be an object"}
	}
	cfg := config{claim: "tenant"}
	for name, v := range attrs {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		switch name {
		case "claim":
			if json.Unmarshal(v, &cfg.claim) != nil || cfg.claim == "" {
				return &plugin.ConfigError{Attribute: name, Message: "must be the name of a claim of the caller's bearer JWT"}
			}
		case "default_tenant":
			if json.Unmarshal(v, &cfg.defaultTenant) != nil || !tenantRE.MatchString(cfg.defaultTenant) {
				return &plugin.ConfigError{Attribute: name, Message: fmt.Sprintf("must match %s", tenantRE)}
			}
		default:
			return &plugin.ConfigError{Attribute: name, Message: "unknown attribute (this plugin takes claim and default_tenant)"}
		}
	}
	p.cfg.Store(&cfg)
	return nil
}

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

// Process implements sdk.Processor; see the package documentation. It is
// the SDK's built-in processor with one hook, the client_id: on create it
// finds the caller's tenant, records it in Items and names the client
// after it; everything about secrets and tokens is sdk.DefaultProcessor's.
func (p *processor) Process(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	cfg := p.cfg.Load()
	if cfg == nil {
		return rc, errNotConfigured
	}
	if rc.Operation != sdk.OperationCreate {
		return sdk.DefaultProcessor{}.Process(ctx, rc)
	}
	tenant, err := cfg.tenant(rc.Caller)
	if err != nil {
		return rc, err
	}
	items := maps.Clone(rc.Items) // never change the argument's map
	if items == nil {
		items = map[string]string{}
	}
	items[itemTenant] = tenant
	rc.Items = items
	return sdk.DefaultProcessor{ClientID: func(context.Context, sdk.RegistrationContext) (string, error) {
		random, err := sdk.RandomToken()
		return tenant + "." + random, err
	}}.Process(ctx, rc)
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

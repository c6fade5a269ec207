package main

import (
	"context"
	"fmt"
	"maps"
	"regexp"

	"github.com/registrar-dcr/registrar/sdk"
)

// tenantRE is a tenant name: it becomes the first part of a client_id, so
// it is short and needs no escaping anywhere.
var tenantRE = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// itemTenant is the Items key under which Process records the tenant of a
// new client, for the steps after it (a store, a response generator).
const itemTenant = "tenant"

// settings is the plugin's config block, decoded by sdk.DecodeConfig (the
// json tags are the HCL attribute names); a nil field is an absent
// attribute.
type settings struct {
	Claim         *string `json:"claim"`
	DefaultTenant *string `json:"default_tenant"`
}

// config is the checked configuration.
type config struct {
	claim         string // the caller claim holding the tenant
	defaultTenant string // "" refuses callers without the claim
}

// processor is the Processor. Its configuration is set by configure, which
// plugin.Serve runs before any call and never during one
// (plugin.WithConfig), so Process reads it without a lock or a
// not-configured check.
type processor struct {
	cfg config
}

var _ sdk.Processor = (*processor)(nil)

// Process implements sdk.Processor; see the package documentation. It is
// the SDK's built-in processor with one hook, the client_id: on create it
// finds the caller's tenant, records it in Items and names the client
// after it; everything about secrets and tokens is sdk.DefaultProcessor's.
func (p *processor) Process(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	if rc.Operation != sdk.OperationCreate {
		return sdk.DefaultProcessor{}.Process(ctx, rc)
	}
	tenant, err := p.cfg.tenant(rc.Caller)
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
			return "", sdk.ErrAccessDenied().WithDescription("the credential carries no %s claim, which this server needs to register a client", c.claim)
		}
		return c.defaultTenant, nil
	}
	s, ok := v.(string)
	if !ok || !tenantRE.MatchString(s) {
		return "", sdk.ErrAccessDenied().WithDescription("the credential's %s claim is not a valid tenant name", c.claim)
	}
	return s, nil
}

// configure checks the decoded config block:
//
//	{"claim": "tenant", "default_tenant": "public"}
//
// Both are optional: claim defaults to "tenant"; without default_tenant a
// caller without the claim is refused. sdk.DecodeConfig has refused
// unknown attributes and values that are not strings.
func (p *processor) configure(_ context.Context, s settings) error {
	cfg := config{claim: "tenant"}
	if s.Claim != nil {
		if *s.Claim == "" {
			return &sdk.ConfigError{Attribute: "claim", Message: "must be the name of a claim of the caller's bearer JWT"}
		}
		cfg.claim = *s.Claim
	}
	if s.DefaultTenant != nil {
		if !tenantRE.MatchString(*s.DefaultTenant) {
			return &sdk.ConfigError{Attribute: "default_tenant", Message: fmt.Sprintf("must match %s", tenantRE)}
		}
		cfg.defaultTenant = *s.DefaultTenant
	}
	p.cfg = cfg
	return nil
}

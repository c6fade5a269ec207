package plugin_test

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// companyPolicy redefines one step of the built-in validator.
type companyPolicy struct {
	sdk.DefaultSteps
	domain string
}

func (p *companyPolicy) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	rc, err := p.DefaultSteps.RedirectURIs(ctx, rc)
	if err != nil {
		return rc, err
	}
	for i, u := range rc.Client.Metadata.RedirectURIs {
		if !strings.HasPrefix(u, "https://"+p.domain+"/") {
			return rc, sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: must be on %s", i, p.domain)
		}
	}
	return rc, nil
}

// The main of a validator plugin: the policy above, configured by the
// plugin's config block.
func ExampleServe() {
	policy := &companyPolicy{}
	plugin.Serve(&plugin.ServeConfig{
		Steps: policy,
		Configure: func(_ context.Context, config []byte) error {
			var c struct {
				Domain string `json:"domain"`
			}
			if err := json.Unmarshal(config, &c); err != nil || c.Domain == "" {
				return &plugin.ConfigError{Attribute: "domain", Message: "required"}
			}
			policy.domain = c.Domain
			return nil
		},
	})
}

// The host side: start a pinned plugin, configure it, and use it as an
// sdk.Validator.
func ExampleLaunch() {
	ctx := context.Background()
	inst, err := plugin.Launch(ctx, plugin.LaunchConfig{
		Name:   "company-policy",
		Path:   "/opt/registrar/plugins/company-policy",
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Env:    []string{"TZ=UTC"},
	})
	if err != nil {
		panic(err)
	}
	defer inst.Kill()
	if err := inst.Configure(ctx, []byte(`{"domain":"apps.example.com"}`)); err != nil {
		panic(err) // a *plugin.ConfigError names the attribute
	}
	v, err := inst.Validator()
	if err != nil {
		panic(err)
	}
	_ = v // an sdk.Validator, like the built-in one
}

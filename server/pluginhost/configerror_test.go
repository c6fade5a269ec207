package pluginhost

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/registrar-dcr/registrar/sdk/plugintest"
	"github.com/registrar-dcr/registrar/server/config"
)

// TestTypedConfigErrorAtItsLine starts a real plugin that takes its
// configuration with plugin.WithConfig (examples/plugins/company-policy):
// an attribute that sdk.DecodeConfig or the plugin refuses comes back as a
// diagnostic at that attribute's line of the HCL file.
// minimalConfig completes a plugin block into a valid configuration file.
const minimalConfig = `
store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}
`

func TestTypedConfigErrorAtItsLine(t *testing.T) {
	bin := plugintest.Build(t, "github.com/registrar-dcr/registrar/examples/plugins/company-policy")
	sum := plugintest.SHA256(t, bin)
	const firstAttrLine = 5 // the line of the config block's first attribute
	tests := []struct {
		name   string
		attrs  []string // the config block, one attribute a line
		bad    int      // the index of the attribute the diagnostic points at
		detail string
	}{
		{name: "unknown attribute", attrs: []string{
			`allowed_domains = ["example.com"]`, `max_access_token_lifetime = 3600`, `strict = true`,
		}, bad: 2, detail: "unknown attribute"},
		{name: "wrong type", attrs: []string{
			`allowed_domains = ["example.com"]`, `max_access_token_lifetime = "1h"`,
		}, bad: 1, detail: "must be a whole number"},
		{name: "nested wrong type", attrs: []string{
			`max_access_token_lifetime = 60`, `allowed_domains = [["example.com"]]`,
		}, bad: 1, detail: "must be a string"},
		{name: "refused by the plugin", attrs: []string{
			`max_access_token_lifetime = 60`, `allowed_domains = ["*.example.com"]`,
		}, bad: 1, detail: "wildcard"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf("plugin \"policy\" {\n  path   = %q\n  sha256 = %q\n  config {\n    %s\n  }\n}\n%s",
				bin, sum, strings.Join(tc.attrs, "\n    "), minimalConfig)
			path := filepath.Join(t.TempDir(), "config.hcl")
			cfg, err := config.Parse([]byte(src), path)
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			h, err := Start(t.Context(), cfg.Plugins, hclog.NewNullLogger())
			if err == nil {
				h.Close()
				t.Fatal("the plugin accepted a configuration it must refuse")
			}
			var diags hcl.Diagnostics
			if !errors.As(err, &diags) || len(diags) != 1 || diags[0].Subject == nil {
				t.Fatalf("Start = %v, want one diagnostic with a range", err)
			}
			d := diags[0]
			if want := firstAttrLine + tc.bad; d.Subject.Filename != path || d.Subject.Start.Line != want {
				t.Errorf("diagnostic at %s, want %s:%d", d.Subject, path, want)
			}
			if !strings.Contains(d.Detail, tc.detail) || !strings.Contains(d.Detail, `plugin "policy"`) {
				t.Errorf("detail %q, want it to name the plugin and say %q", d.Detail, tc.detail)
			}
		})
	}
}

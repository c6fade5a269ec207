package plugin_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin/internal/testimpl"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// TestValidatorReceivesNoCredential hands the host side of a validator
// plugin a context holding every credential (an update whose token was
// presented, with a sealed secret): the plugin, in "report" mode, says what
// it received through Validate, and it must be nothing but empty values and
// sdk.RedactedHash.
func TestValidatorReceivesNoCredential(t *testing.T) {
	t.Parallel()
	inst := plugintest.Start(t, testPlugin, plugintest.WithEnv("TESTPLUGIN_KINDS=validator"),
		plugintest.WithConfig([]byte(`{"mode":"report"}`)))
	cur := sdk.Client{ID: "c1", Metadata: sampleMetadata(), IssuedAt: 1700000000, Revision: 2,
		SecretHash: sdk.HashToken("the-secret"), SecretSealed: []byte("sealed-secret-bytes"),
		SecretExpiresAt: 1800000000, RegistrationTokenHash: sdk.HashToken("the-token")}
	rc := sampleContext()
	rc.Operation = sdk.OperationUpdate
	rc.Current = &cur
	rc.Client = cur.Clone()
	rc.Issued = sdk.Credentials{ClientSecret: "the-secret", RegistrationAccessToken: "the-token"}
	live := []string{"the-secret", "the-token", cur.SecretHash, cur.RegistrationTokenHash, hex.EncodeToString(cur.SecretSealed)}

	for name, call := range map[string]func() (sdk.RegistrationContext, error){
		"Validate": func() (sdk.RegistrationContext, error) { return validator(t, inst).Validate(t.Context(), rc) },
	} {
		out, err := call()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := 0
		for item, v := range out.Items {
			if !strings.HasPrefix(item, testimpl.ReportPrefix) {
				continue
			}
			n++
			if v != "" && v != sdk.RedactedHash {
				t.Errorf("%s: the plugin received %s = %q", name, strings.TrimPrefix(item, testimpl.ReportPrefix), v)
			}
			for _, s := range live {
				if strings.Contains(v, s) {
					t.Errorf("%s: a live credential reached the plugin in %s", name, item)
				}
			}
		}
		if n != 8 {
			t.Fatalf("%s: %d values reported, want 8: %v", name, n, out.Items)
		}
		if out.Items[testimpl.ReportPrefix+"current.secret_hash"] != sdk.RedactedHash {
			t.Errorf("%s: the plugin cannot tell that the client has a secret", name)
		}
	}
}

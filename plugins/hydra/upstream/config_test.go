package upstream_test

import (
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/plugins/hydra/upstream"
	"github.com/registrar-dcr/registrar/sdk"
)

// TestParseConfig decodes the config block: defaults, every attribute,
// and each refusal as a *sdk.ConfigError naming its attribute, none of
// which shows the admin token.
func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	srv := httptest.NewTLSServer(nil)
	srv.Close()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	const tok = "s3cr3t-admin-token"

	for _, tc := range []struct {
		name string
		raw  string
		// on success
		url, owner string
		timeout    time.Duration
		token, ca  bool
		// on refusal
		attr, msg string
	}{
		{name: "minimal", raw: `{"admin_url":"http://127.0.0.1:4445"}`, url: "http://127.0.0.1:4445", owner: "registrar", timeout: 10 * time.Second},
		{name: "trailing slash and prefix", raw: `{"admin_url":"https://hydra.internal/admin-api/"}`, url: "https://hydra.internal/admin-api", owner: "registrar", timeout: 10 * time.Second},
		{name: "everything", raw: fmt.Sprintf(`{"admin_url":"https://hydra.internal:4445","owner":"registrar-eu","admin_token":%q,"ca_file":%q,"timeout":"3s"}`, tok, ca),
			url: "https://hydra.internal:4445", owner: "registrar-eu", timeout: 3 * time.Second, token: true, ca: true},
		{name: "http off loopback allowed", raw: `{"admin_url":"http://hydra.internal:4445","allow_insecure_http":true}`, url: "http://hydra.internal:4445", owner: "registrar", timeout: 10 * time.Second},
		{name: "token over http on loopback", raw: fmt.Sprintf(`{"admin_url":"http://localhost:4445","admin_token":%q}`, tok), url: "http://localhost:4445", owner: "registrar", timeout: 10 * time.Second, token: true},
		{name: "nil block", raw: ``, attr: "admin_url", msg: "required"},
		{name: "empty block", raw: `{}`, attr: "admin_url", msg: "required"},
		{name: "null url", raw: `{"admin_url":null}`, attr: "admin_url", msg: "required"},
		{name: "unknown attribute", raw: `{"admin_url":"http://127.0.0.1:4445","adminurl":"x"}`, attr: "adminurl", msg: "unknown attribute"},
		{name: "url of wrong type", raw: `{"admin_url":4445}`, attr: "admin_url"},
		{name: "other scheme", raw: `{"admin_url":"ftp://hydra"}`, attr: "admin_url", msg: "http or https"},
		{name: "no host", raw: `{"admin_url":"http:///admin"}`, attr: "admin_url", msg: "host"},
		{name: "user info", raw: `{"admin_url":"https://admin:` + tok + `@hydra"}`, attr: "admin_url", msg: "admin_token"},
		{name: "query", raw: `{"admin_url":"https://hydra/?a=b"}`, attr: "admin_url", msg: "query"},
		{name: "fragment", raw: `{"admin_url":"https://hydra/#x"}`, attr: "admin_url", msg: "fragment"},
		{name: "token over http off loopback", raw: fmt.Sprintf(`{"admin_url":"http://hydra.internal:4445","admin_token":%q,"allow_insecure_http":true}`, tok), attr: "admin_token", msg: "in clear"},
		{name: "http off loopback", raw: `{"admin_url":"http://hydra.internal:4445"}`, attr: "admin_url", msg: "in clear"},
		{name: "empty token", raw: `{"admin_url":"https://hydra","admin_token":""}`, attr: "admin_token", msg: "non-empty"},
		{name: "token with a newline", raw: `{"admin_url":"https://hydra","admin_token":"a\nb"}`, attr: "admin_token", msg: "whitespace"},
		{name: "token of wrong type", raw: `{"admin_url":"https://hydra","admin_token":5}`, attr: "admin_token"},
		{name: "ca_file with http", raw: fmt.Sprintf(`{"admin_url":"http://127.0.0.1:4445","ca_file":%q}`, ca), attr: "ca_file", msg: "https"},
		{name: "ca_file missing", raw: `{"admin_url":"https://hydra","ca_file":"/nonexistent/ca.pem"}`, attr: "ca_file", msg: "cannot read"},
		{name: "ca_file without PEM", raw: fmt.Sprintf(`{"admin_url":"https://hydra","ca_file":%q}`, notPEM), attr: "ca_file", msg: "no PEM"},
		{name: "empty owner", raw: `{"admin_url":"https://hydra","owner":""}`, attr: "owner"},
		{name: "owner with spaces around", raw: `{"admin_url":"https://hydra","owner":" x "}`, attr: "owner"},
		{name: "owner with a control character", raw: `{"admin_url":"https://hydra","owner":"a\u0001"}`, attr: "owner"},
		{name: "owner too long", raw: `{"admin_url":"https://hydra","owner":"` + strings.Repeat("o", 256) + `"}`, attr: "owner"},
		{name: "timeout not a duration", raw: `{"admin_url":"https://hydra","timeout":"soon"}`, attr: "timeout", msg: "duration"},
		{name: "timeout a number", raw: `{"admin_url":"https://hydra","timeout":5}`, attr: "timeout", msg: "duration"},
		{name: "timeout zero", raw: `{"admin_url":"https://hydra","timeout":"0s"}`, attr: "timeout", msg: "positive"},
		{name: "timeout too long", raw: `{"admin_url":"https://hydra","timeout":"11m"}`, attr: "timeout", msg: "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := upstream.ParseConfig([]byte(tc.raw))
			if tc.attr != "" {
				var ce *sdk.ConfigError
				if !errors.As(err, &ce) || ce.Attribute != tc.attr || !strings.Contains(ce.Message, tc.msg) {
					t.Fatalf("ParseConfig: %v, want a ConfigError on %s saying %q", err, tc.attr, tc.msg)
				}
				if strings.Contains(err.Error(), tok) {
					t.Errorf("the error shows the admin token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AdminURL.String() != tc.url || cfg.Owner != tc.owner || cfg.Timeout != tc.timeout ||
				(cfg.AdminToken != "") != tc.token || (cfg.RootCAs != nil) != tc.ca {
				t.Errorf("ParseConfig = %+v", cfg)
			}
			if tc.token && cfg.AdminToken.Reveal() != tok {
				t.Errorf("admin token %q, want %q", cfg.AdminToken.Reveal(), tok)
			}
			for _, shown := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
				if strings.Contains(shown, tok) {
					t.Errorf("printing the Config shows the admin token: %s", shown)
				}
			}
		})
	}
}

// TestUnconfigured: before its configuration every call is ErrUnavailable.
func TestUnconfigured(t *testing.T) {
	u := upstream.New(nil)
	if err := u.Health(t.Context()); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Health: %v, want ErrUnavailable", err)
	}
	if _, err := u.List(t.Context(), ""); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("List: %v, want ErrUnavailable", err)
	}
	if err := u.Delete(t.Context(), "x"); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Delete: %v, want ErrUnavailable", err)
	}
}

package upstream

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// Defaults of the configuration.
const (
	DefaultOwner   = "registrar"
	DefaultTimeout = 10 * time.Second
	// maxTimeout bounds the timeout attribute.
	maxTimeout = 10 * time.Minute
	// maxOwnerLen bounds the owner: Hydra keeps it in a varchar column.
	maxOwnerLen = 255
)

// Config is the parsed configuration of the upstream. Build it with
// ParseConfig or Settings.Config; Open needs AdminURL, and fills in the
// other zero fields with their defaults.
type Config struct {
	// AdminURL is the base of Hydra's admin API (its admin port, or the
	// proxy in front of it), http or https, without a query or fragment:
	// the plugin calls AdminURL + "/admin/clients".
	AdminURL *url.URL
	// Owner is the owner Hydra keeps on every client this Registrar
	// provisions, and the one List filters on. Default "registrar". Two
	// Registrar deployments that share one Hydra need two owners.
	Owner string
	// AdminToken, when set, is sent as "Authorization: Bearer" on every call
	// (an admin API behind an authenticating proxy). It is never logged.
	AdminToken Secret
	// RootCAs, when not nil, are the only certificate authorities trusted
	// for an https AdminURL (ca_file); nil trusts the system's.
	RootCAs *x509.CertPool
	// Timeout bounds each call to Hydra, connecting included. Default 10s.
	Timeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Owner == "" {
		c.Owner = DefaultOwner
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// tlsConfig returns the TLS configuration of an https AdminURL.
func (c Config) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs}
}

// Secret is a credential of the configuration. Its String, GoString and
// MarshalJSON hide the value, so that no log line or dump of a Config shows
// it; Reveal returns it.
type Secret string

// Reveal returns the value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// GoString hides the value from %#v as well.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalJSON hides the value from encoding/json.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Settings is the plugin's config block as written in the server's HCL
// file, decoded by sdk.DecodeConfig: the json tags are the attribute names,
// and an unknown attribute or a value of the wrong type is refused there,
// naming the attribute. A nil pointer is an absent attribute.
//
//	config {
//	  admin_url   = "https://hydra-admin.internal:4445"  # required
//	  owner       = "registrar"                          # Hydra's owner field of every client
//	  admin_token = env("HYDRA_ADMIN_TOKEN")             # optional, sent as Bearer
//	  ca_file     = "/etc/registrar/hydra-ca.pem"        # optional, https only
//	  timeout     = "10s"
//	}
type Settings struct {
	AdminURL   string   `json:"admin_url"`
	Owner      *string  `json:"owner"`
	AdminToken *Secret  `json:"admin_token"`
	CAFile     *string  `json:"ca_file"`
	Timeout    *Timeout `json:"timeout"`
	// AllowInsecureHTTP allows an http admin_url on a host other than
	// loopback, over which every client secret crosses the network in
	// clear (a private network the operator trusts). Off by default.
	AllowInsecureHTTP bool `json:"allow_insecure_http"`
}

// Timeout is a duration attribute: a string such as "5s" or "500ms",
// positive and at most 10m.
type Timeout time.Duration

// UnmarshalJSON implements json.Unmarshaler; its errors are the messages
// sdk.DecodeConfig reports for the attribute.
func (t *Timeout) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`must be a duration string such as "10s" or "500ms"`)
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("must be a duration such as \"10s\" or \"500ms\" (got %q)", s)
	case d <= 0:
		return fmt.Errorf("must be positive (got %q)", s)
	case d > maxTimeout:
		return fmt.Errorf("must be at most 10m (got %q)", s)
	}
	*t = Timeout(d)
	return nil
}

// ParseConfig parses the plugin's config block (a JSON object, see
// Settings): sdk.DecodeConfig into Settings, then Settings.Config. Every
// rejected value is a *sdk.ConfigError naming the attribute; no message
// contains the admin token.
func ParseConfig(raw []byte) (Config, error) {
	st, err := sdk.DecodeConfig[Settings](raw)
	if err != nil {
		return Config{}, err
	}
	return st.Config()
}

// Config checks the settings and returns the Config they describe, with
// the defaults applied:
//   - admin_url is required, http or https, with a host and without user
//     information (credentials go in admin_token), a query or a fragment;
//   - client secrets go in clear over http, so an http admin_url must be
//     on a loopback host unless allow_insecure_http is set;
//   - admin_token goes in clear over http, so with an http admin_url it is
//     allowed only on a loopback host;
//   - ca_file needs an https admin_url and must hold at least one PEM
//     certificate;
//   - owner is 1 to 255 printable characters.
func (st Settings) Config() (Config, error) {
	var c Config
	raw := strings.TrimSpace(st.AdminURL)
	if raw == "" {
		return Config{}, cfgErr("admin_url", "required: the base URL of Hydra's admin API, such as http://127.0.0.1:4445")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, cfgErr("admin_url", "not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return Config{}, cfgErr("admin_url", "must be an http or https URL (got scheme %q)", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return Config{}, cfgErr("admin_url", "must name a host")
	case u.Scheme == "http" && !isLoopback(u.Hostname()) && !st.AllowInsecureHTTP:
		return Config{}, cfgErr("admin_url", "is http on %s: every client secret would cross the network in clear; "+
			"use https (with ca_file for a private CA), or set allow_insecure_http = true on a network you trust", u.Host)
	case u.User != nil:
		// Credentials in a URL end up in logs and error messages.
		return Config{}, cfgErr("admin_url", "must not carry user information: put the credential in admin_token")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return Config{}, cfgErr("admin_url", "must not have a query or a fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c.AdminURL = u

	if st.Owner != nil {
		o := *st.Owner
		if o == "" || len(o) > maxOwnerLen || strings.TrimSpace(o) != o || strings.ContainsFunc(o, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return Config{}, cfgErr("owner", "must be 1 to %d printable characters without leading or trailing space", maxOwnerLen)
		}
		c.Owner = o
	}
	if st.AdminToken != nil {
		tok := *st.AdminToken
		if tok == "" || strings.ContainsAny(string(tok), "\r\n\t ") {
			return Config{}, cfgErr("admin_token", "must be a non-empty token without whitespace")
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return Config{}, cfgErr("admin_token", "would be sent in clear to %s: use an https admin_url (http is allowed with a token only on loopback)", u.Host)
		}
		c.AdminToken = tok
	}
	if st.CAFile != nil {
		if u.Scheme != "https" {
			return Config{}, cfgErr("ca_file", "needs an https admin_url")
		}
		pem, err := os.ReadFile(*st.CAFile)
		if err != nil {
			return Config{}, cfgErr("ca_file", "cannot read %s: %v", *st.CAFile, errors.Unwrap(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return Config{}, cfgErr("ca_file", "%s holds no PEM certificate", *st.CAFile)
		}
		c.RootCAs = pool
	}
	if st.Timeout != nil {
		c.Timeout = time.Duration(*st.Timeout)
	}
	return c.withDefaults(), nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func cfgErr(attr, format string, args ...any) error {
	return &sdk.ConfigError{Attribute: attr, Message: fmt.Sprintf(format, args...)}
}

package config

import (
	"crypto/tls"

	"github.com/hashicorp/hcl/v2"
)

// TLS is the tls block of a listener: the server certificate and key
// files (PEM) and the lowest TLS version accepted. The files are read
// again on SIGHUP and when they change (server/certs).
type TLS struct {
	// CertFile is the certificate chain, leaf first; absolute.
	CertFile string
	// KeyFile is the private key of the leaf; absolute.
	KeyFile string
	// MinVersion is tls.VersionTLS12 (default) or tls.VersionTLS13.
	MinVersion uint16
}

// tlsSchema is the body of a tls block.
var tlsSchema = schema([]string{"cert_file", "key_file", "min_version"})

// tlsVersions are the values of min_version.
var tlsVersions = map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// decodeTLS decodes a tls block (nil when absent). The certificate and key
// must load as a pair now, so that `registrar check` reports a wrong file
// at its line instead of serve failing at start.
func (d *decoder) decodeTLS(block *hcl.Block) *TLS {
	if block == nil {
		return nil
	}
	c := d.content(block, tlsSchema)
	t := &TLS{MinVersion: tls.VersionTLS12}
	ok := true
	for _, f := range []struct {
		name string
		dst  *string
	}{{"cert_file", &t.CertFile}, {"key_file", &t.KeyFile}} {
		attr := c.Attributes[f.name]
		var p string
		switch d.str(attr, &p) {
		case absent:
			d.errorf(block.DefRange, "Missing "+f.name, "The tls block needs cert_file and key_file, PEM files of the certificate chain and its private key.")
			ok = false
		case set:
			abs, err := d.abs(p)
			if p == "" || err != nil {
				d.errorf(attr.Expr.Range(), "Invalid "+f.name, "%s must name a file.", f.name)
				ok = false
				break
			}
			*f.dst = abs
		default:
			ok = false
		}
	}
	if attr := c.Attributes["min_version"]; attr != nil {
		var v string
		if d.str(attr, &v) == set {
			if mv, found := tlsVersions[v]; found {
				t.MinVersion = mv
			} else {
				d.errorf(attr.Expr.Range(), "Invalid min_version", "min_version must be \"1.2\" or \"1.3\"; got %q.", v)
			}
		}
	}
	if ok {
		if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
			d.errorf(block.DefRange, "Invalid TLS certificate", "cert_file and key_file do not load as a certificate and its key: %v.", err)
		}
	}
	return t
}

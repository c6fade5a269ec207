package config

import (
	"errors"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// RateLimit is the per-client-IP rate limit of registrations (block
// rate_limit): a token bucket per address, refilled at Rate per second up
// to Burst. Requests over the limit get 429 with Retry-After.
type RateLimit struct {
	// Enabled turns the limit on; the default.
	Enabled bool
	// Rate is the sustained number of registrations per second per IP.
	Rate float64
	// Burst is the bucket size: how many registrations an IP may make at
	// once.
	Burst int
	// MaxTracked bounds the number of addresses remembered; the least
	// recently seen are forgotten first.
	MaxTracked int
}

// Fetch configures the one outbound fetcher (block fetch) that reads
// jwks_uri, sector_identifier_uri, authority discovery documents and
// software-statement issuer keys.
type Fetch struct {
	// AllowHTTP allows http:// URLs; https only by default.
	AllowHTTP bool
	// AllowPrivateAddresses allows loopback, private and link-local
	// addresses; refused at dial time by default. For tests and closed
	// networks only.
	AllowPrivateAddresses bool
	// Timeout bounds one fetch.
	Timeout time.Duration
	// MaxBytes bounds a response body.
	MaxBytes int64
	// CacheTTL is how long a fetched document is reused.
	CacheTTL time.Duration
	// CAFile is the absolute path of a PEM bundle of the certificate
	// authorities that server certificates must chain to; "" means the
	// system's.
	CAFile string
}

// Defaults of the rate_limit and fetch blocks.
const (
	defaultRate         = 5.0
	defaultBurst        = 20
	defaultMaxTracked   = 100000
	defaultFetchTimeout = 5 * time.Second
	defaultFetchBytes   = 256 << 10
	defaultCacheTTL     = 5 * time.Minute
)

var (
	rateLimitSchema = schema([]string{"enabled", "rate", "burst", "max_tracked"})
	fetchSchema     = schema([]string{"allow_http", "allow_private_addresses", "timeout", "max_bytes", "cache_ttl", "ca_file"})
)

// decodeRateLimit decodes the rate_limit block; nil when absent.
func (d *decoder) decodeRateLimit(block *hcl.Block) RateLimit {
	a := d.content(block, rateLimitSchema).Attributes
	r := RateLimit{Enabled: true, Rate: defaultRate, Burst: defaultBurst, MaxTracked: defaultMaxTracked}
	d.boolean(a["enabled"], &r.Enabled)
	if attr := a["rate"]; attr != nil {
		var f float64
		if d.number(attr, &f) == set {
			if f <= 0 || f > 1e6 {
				d.errorf(attr.Expr.Range(), "Invalid rate", "rate must be greater than 0 and at most 1000000 registrations per second.")
			} else {
				r.Rate = f
			}
		}
	}
	var n int64
	if d.integer(a["burst"], &n, 1, 1e6) == set {
		r.Burst = int(n)
	}
	if d.integer(a["max_tracked"], &n, 1, 1e8) == set {
		r.MaxTracked = int(n)
	}
	return r
}

// decodeFetch decodes the fetch block; nil when absent.
func (d *decoder) decodeFetch(block *hcl.Block) Fetch {
	a := d.content(block, fetchSchema).Attributes
	f := Fetch{Timeout: defaultFetchTimeout, MaxBytes: defaultFetchBytes, CacheTTL: defaultCacheTTL}
	d.boolean(a["allow_http"], &f.AllowHTTP)
	d.boolean(a["allow_private_addresses"], &f.AllowPrivateAddresses)
	d.duration(a["timeout"], &f.Timeout, true, false)
	d.integer(a["max_bytes"], &f.MaxBytes, 1024, 10<<20)
	d.duration(a["cache_ttl"], &f.CacheTTL, false, false)
	if attr := a["ca_file"]; attr != nil && d.str(attr, &f.CAFile) == set {
		path, err := d.abs(f.CAFile)
		if err == nil {
			var pem []byte
			if pem, err = os.ReadFile(path); err == nil && !strings.Contains(string(pem), "-----BEGIN CERTIFICATE-----") {
				err = errors.New("no PEM certificate in it")
			}
		}
		if err != nil {
			d.errorf(attr.Expr.Range(), "Invalid ca_file", "fetch: ca_file: %s.", err)
			f.CAFile = ""
		} else {
			f.CAFile = path
		}
	}
	return f
}

// decodeTrustedProxies decodes server.trusted_proxies: addresses or CIDR
// prefixes whose X-Forwarded-For is believed.
func (d *decoder) decodeTrustedProxies(attr *hcl.Attribute, dst *[]string) {
	d.stringSet(attr, dst, false, func(v string) (string, string) {
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return "", "\"" + v + "\" is not an IP address or CIDR prefix"
			}
			if p.Bits() == 0 {
				return "", "\"" + v + "\" trusts every address, so any caller could forge X-Forwarded-For; list the proxies' addresses"
			}
			return p.Masked().String(), ""
		}
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return "", "\"" + v + "\" is not an IP address or CIDR prefix"
		}
		return ip.String(), ""
	})
}

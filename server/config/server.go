package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/registrar-dcr/registrar/sdk"
)

// Defaults of the server block.
const (
	defaultListen          = "127.0.0.1:8080"
	defaultReadTimeout     = 10 * time.Second
	defaultWriteTimeout    = 10 * time.Second
	defaultIdleTimeout     = 60 * time.Second
	defaultShutdownTimeout = 15 * time.Second
	defaultMaxBodyBytes    = 64 << 10
	minMaxBodyBytes        = 1 << 10
	maxMaxBodyBytes        = 10 << 20
	defaultMaxStringLength = 2048
	defaultMaxArrayLength  = 64
	maxInt32               = 1<<31 - 1
	// minMaxStringLength keeps every known member name within
	// max_string_length, which bounds member names too.
	minMaxStringLength = 64
	// minMaxDepth admits a jwks key with an x5c array (level 5).
	minMaxDepth = 5
)

// serverSchema is the body of the server block.
var serverSchema = schema([]string{
	"listen", "public_base_url",
	"read_timeout", "write_timeout", "idle_timeout", "shutdown_timeout",
	"max_body_bytes", "max_string_length", "max_array_length",
	"max_nesting_depth", "max_unknown_metadata_bytes",
	"trusted_proxies",
}, hcl.BlockHeaderSchema{Type: "tls"})

// decodeServer decodes the server block; block is nil when it is absent.
func (d *decoder) decodeServer(block *hcl.Block) Server {
	content := d.content(block, serverSchema)
	a := content.Attributes
	s := Server{
		Listen:          defaultListen,
		ReadTimeout:     defaultReadTimeout,
		WriteTimeout:    defaultWriteTimeout,
		IdleTimeout:     defaultIdleTimeout,
		ShutdownTimeout: defaultShutdownTimeout,
		MaxBodyBytes:    defaultMaxBodyBytes,
		MaxStringLength: defaultMaxStringLength,
		MaxArrayLength:  defaultMaxArrayLength,
		MaxDepth:        sdk.DefaultMaxDepth,
		MaxUnknownBytes: sdk.DefaultMaxUnknownBytes,
	}

	var listen string
	if d.str(a["listen"], &listen) == set {
		if err := checkListen(listen); err != "" {
			d.errorf(a["listen"].Expr.Range(), "Invalid listen", "listen: %s", err)
		} else {
			s.Listen = listen
		}
	}

	s.TLS = d.decodeTLS(d.single(content.Blocks.OfType("tls")))

	var base string
	if d.str(a["public_base_url"], &base) == set {
		if v, problem := checkBaseURL(base); problem != "" {
			d.errorf(a["public_base_url"].Expr.Range(), "Invalid public_base_url", "public_base_url %s; got %q.", problem, base)
		} else {
			s.PublicBaseURL = v
		}
	} else {
		s.PublicBaseURL = s.defaultBaseURL(s.Listen)
	}

	d.duration(a["read_timeout"], &s.ReadTimeout, true, false)
	d.duration(a["write_timeout"], &s.WriteTimeout, true, false)
	d.duration(a["idle_timeout"], &s.IdleTimeout, true, false)
	d.duration(a["shutdown_timeout"], &s.ShutdownTimeout, true, false)
	d.integer(a["max_body_bytes"], &s.MaxBodyBytes, minMaxBodyBytes, maxMaxBodyBytes)
	var n int64
	if d.integer(a["max_string_length"], &n, minMaxStringLength, maxInt32) == set {
		s.MaxStringLength = int(n)
	}
	if d.integer(a["max_array_length"], &n, 1, maxInt32) == set {
		s.MaxArrayLength = int(n)
	}
	if d.integer(a["max_nesting_depth"], &n, minMaxDepth, sdk.MaxDepthLimit) == set {
		s.MaxDepth = int(n)
	}
	if d.integer(a["max_unknown_metadata_bytes"], &n, 1, maxMaxBodyBytes) == set {
		s.MaxUnknownBytes = int(n)
	}
	d.decodeTrustedProxies(a["trusted_proxies"], &s.TrustedProxies)
	return s
}

// checkListen returns what is wrong with a host:port listen address, or "".
func checkListen(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "must be host:port, such as \"127.0.0.1:8080\" or \":8080\"; got " + strconv.Quote(addr) + "."
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "the port must be a number from 0 to 65535; got " + strconv.Quote(addr) + "."
	}
	return ""
}

// checkBaseURL validates a public base URL and returns it without its
// trailing slash, or a problem.
func checkBaseURL(raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "is not a URL"
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "must be an absolute http or https URL"
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "", "must be an absolute http or https URL with a host"
	case u.User != nil:
		return "", "must not contain user information"
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#"):
		return "", "must not have a query or a fragment"
	}
	return strings.TrimRight(raw, "/"), ""
}

// defaultBaseURL is the public base URL of a server that names none:
// baseURLFromListen, https when the server serves TLS.
func (s Server) defaultBaseURL(listen string) string {
	base := baseURLFromListen(listen)
	if s.TLS != nil {
		base = "https" + strings.TrimPrefix(base, "http")
	}
	return base
}

// baseURLFromListen is the default public base URL: http://listen, with
// "localhost" for a wildcard or empty host.
func baseURLFromListen(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Defaults of the log block.
const (
	defaultLogLevel  = "info"
	defaultLogFormat = "text"
)

// logSchema is the body of the log block.
var logSchema = schema([]string{"level", "format"})

// decodeLog decodes the log block; block is nil when it is absent.
func (d *decoder) decodeLog(block *hcl.Block) Log {
	a := d.content(block, logSchema).Attributes
	l := Log{Level: defaultLogLevel, Format: defaultLogFormat}
	d.oneOf(a["level"], &l.Level, "trace", "debug", "info", "warn", "error")
	d.oneOf(a["format"], &l.Format, "text", "json")
	return l
}

// OverrideListen replaces the server block's listen and public_base_url
// after Load, for "registrar serve -listen ADDR -public-base-url URL" (run
// on another port without editing the file). Each non-empty argument is
// checked as the attribute it replaces is; an empty one changes nothing.
//
// A new listen without a new public base URL moves public_base_url with it
// ("http://" + listen, "localhost" for a wildcard host) only when the file
// left public_base_url at its default for the file's listen (unset, or set
// to that same URL): registration_client_uri (RFC 7592 §3) then names the
// address actually served. A public_base_url the file chose otherwise, such
// as the https URL of a TLS proxy in front, is kept, and kept reports it, so
// that -listen never points clients at http on their own machine. On error
// s is unchanged.
func (s *Server) OverrideListen(listen, publicBaseURL string) (kept bool, err error) {
	base := s.PublicBaseURL
	if listen != "" {
		if problem := checkListen(listen); problem != "" {
			return false, fmt.Errorf("listen: %s", problem)
		}
		if s.PublicBaseURL == s.defaultBaseURL(s.Listen) {
			base = s.defaultBaseURL(listen)
		} else {
			kept = publicBaseURL == ""
		}
	}
	if publicBaseURL != "" {
		v, problem := checkBaseURL(publicBaseURL)
		if problem != "" {
			return false, fmt.Errorf("public base URL: %s; got %q", problem, publicBaseURL)
		}
		base = v
	}
	if listen != "" {
		s.Listen = listen
	}
	s.PublicBaseURL = base
	return kept, nil
}

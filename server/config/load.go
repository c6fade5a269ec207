package config

// The configuration schema, as decoded below. Every attribute is optional
// unless marked required; the value shown is the default.
//
//	server {
//	  listen            = "127.0.0.1:8080"
//	  public_base_url   = "http://127.0.0.1:8080" # default "http://" + listen ("localhost" for a wildcard host);
//	                                             # absolute http(s), no user info, query or fragment; trailing "/" dropped
//	  read_timeout      = "10s"                  # Go durations, > 0
//	  write_timeout     = "10s"
//	  idle_timeout      = "60s"
//	  shutdown_timeout  = "15s"
//	  max_body_bytes    = 65536                  # 1024..10485760
//	  max_string_length = 2048                   # >= 64; every string of a body, values and member names
//	  max_array_length  = 64                     # > 0
//	  max_nesting_depth = 32                     # 5..1000; objects and arrays in a body (the body is level 1)
//	  max_unknown_metadata_bytes = 16384         # 1..10485760; unknown members kept (keep_unknown_metadata)
//	  trusted_proxies   = []                     # IPs or CIDRs whose X-Forwarded-For is believed;
//	                                             # empty: the peer address is the client's
//	}
//
//	rate_limit {                  # per client IP, on POST /connect/dcr; 429 + Retry-After beyond
//	  enabled     = true
//	  rate        = 5             # registrations per second, sustained (> 0)
//	  burst       = 20            # registrations at once
//	  max_tracked = 100000        # addresses remembered (least recently seen forgotten first)
//	}
//
//	fetch {                       # the one outbound fetcher: jwks_uri, sector_identifier_uri,
//	  allow_http              = false # authority and issuer JWKS
//	  allow_private_addresses = false # loopback/private/link-local refused at dial time
//	  timeout                 = "5s"
//	  max_bytes               = 262144
//	  cache_ttl               = "5m"
//	  ca_file                 = ""    # PEM bundle of trusted CAs, relative to this file; "": the system's
//	}
//
//	log {
//	  level  = "info" # trace|debug|info|warn|error
//	  format = "text" # text|json
//	}
//
//	store "sqlite" {              # required, exactly one; label "sqlite", "memory" or "plugin"
//	  path = "data/registrar.db"  # required for sqlite, relative to this file; none for memory
//	}
//	store "plugin" {              # the store is a plugin
//	  plugin = "mongodb"          # required; the name of a plugin block
//	}
//
//	plugin "company-policy" {     # zero or more; names [a-z0-9_-]+, unique; "rfc" and "builtin" are reserved
//	  path          = "bin/plugins/company-policy" # required; relative to this file; an existing
//	                                               # regular file with an execute bit
//	  sha256        = "4f2a..."    # 64 hex digits (either case; kept lowercase), the executable's
//	                               # checksum; required unless dev_mode = true
//	  dev_mode      = false        # true: run without a pinned checksum (development only;
//	                               # check and serve warn about it)
//	  args          = []           # command-line arguments
//	  timeout       = "2s"         # deadline of each call; > 0
//	  start_timeout = "10s"        # deadline of the start; > 0
//	  optional      = false        # true: a plugin that fails to start is reported by /readyz
//	                               # instead of stopping serve
//	  tls           = true         # go-plugin AutoMTLS; false only for plugins that cannot do it
//	  env           = {}           # map of strings: the plugin's whole environment (the server's
//	                               # is not inherited); e.g. { REGION = "eu", DB = env("DB_URL") }
//	  config {                     # optional; any attributes, no blocks; sent to the plugin at
//	    allowed_domains = ["example.com"] # start as one JSON object ({} without the block)
//	    max_lifetime    = 3600
//	  }
//	}
//
//	processor {                   # optional; absent: the built-in processor
//	  plugin = "tenant-prefix"    # required; the name of a plugin block
//	}
//
//	response {                    # optional; absent: the built-in response
//	  plugin = "extra-field"      # required; the name of a plugin block
//	}
//
//	secrets {
//	  encryption_key = env("REGISTRAR_SECRET_KEY") # no default; base64 (std or url, padded or not)
//	                                               # of exactly 32 bytes; enables client_secret_jwt
//	}
//
//	profile "default" {            # required, one or more; names [a-z0-9_-]+, unique
//	  validators = ["rfc"]         # in order; each "rfc" (the built-in RFC 7591 / OIDC validator)
//	                               # or the name of a plugin block; non-empty, no duplicates
//	  cors_origins = []            # browser origins allowed for this profile (scheme://host[:port])
//	  max_clients  = 0             # clients registered under the profile; 0 = no bound (403 beyond)
//	  authentication {             # required: at least one way in
//	    anonymous     = false      # open registration; at most one anonymous profile in the file
//	    issued_tokens = false      # initial access tokens from "registrar token create -profile NAME"
//	    bearer_jwt {               # JWT access tokens of an authority (at most one block)
//	      issuer         = "https://auth.example.com" # required; exact "iss"
//	      jwks_uri       = ""      # default: from the issuer's discovery document
//	      jwks           = ""      # or inline, e.g. file("authority-jwks.json")
//	      audiences      = ["https://dcr.example.com"] # required; "aud" must hold one
//	      required_scope = ""      # space-separated; all must be in "scope"/"scp" (403 otherwise)
//	      algorithms     = ["RS256", "PS256", "ES256", "EdDSA"] # asymmetric only
//	      token_types    = []      # accepted "typ" headers, e.g. ["at+jwt"]; empty: any
//	      clock_skew     = "1m"
//	    }
//	    initial_access_token "ci" { # zero or more; names [a-z0-9_-]+, unique in the file
//	      token = env("REGISTRAR_INITIAL_ACCESS_TOKEN") # required; >= 32 chars of RFC 6750 b64token; values unique
//	    }
//	  }
//	  policy {
//	    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"] # non-empty
//	    response_types              = ["code"]
//	    token_endpoint_auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"] # non-empty
//	    scopes                      = ["openid", "profile", "email", "offline_access"]
//	    default_scope               = "openid" # when scopes is absent too, else ""; each word must be in scopes
//	    redirect_uri_mode           = "standard" # standard|strict
//	    allow_http_redirects        = false
//	    infer_native_application_type = false # no application_type + only loopback http / private-use redirect URIs: native
//	    signing_algs                = ["RS256", "PS256", "ES256", "EdDSA"] # non-empty; never "none"
//	    keep_unknown_metadata       = false
//	    max_token_lifetime          = "0s"        # whole seconds; 0 = no bound
//	    client_secret_lifetime      = "0s"        # whole seconds; 0 = secrets never expire
//	    registration_token_rotation = "on_update" # on_update|never|on_every_use
//	  }
//	  software_statement {         # optional (RFC 7591 §2.3); absent: statements are refused
//	    required    = false        # refuse registrations without one
//	    strict      = false        # refuse metadata that differs from the statement's (else it wins)
//	    max_age     = "0s"         # oldest "iat" accepted; 0 = no bound
//	    require_jti = false        # refuse statements without "jti"; replays are always refused
//	    issuer "https://directory.example.com" { # one or more trusted issuers
//	      jwks_uri   = "https://directory.example.com/jwks.json" # or jwks = file("...")
//	      algorithms = ["RS256", "PS256", "ES256", "EdDSA"]
//	      audiences  = []          # when set, the statement's "aud" must hold one
//	    }
//	  }
//	}
//
// Expressions may call env("NAME") and file("path"); there are no
// variables.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// fileSchema is the top level of the file. To add a block (rate_limit,
// metrics): add it here, its schema and
// decode method in a file of its own, a field in Config, and a call in
// decodeFile after the blocks it depends on.
var fileSchema = schema(nil,
	hcl.BlockHeaderSchema{Type: "server"},
	hcl.BlockHeaderSchema{Type: "log"},
	hcl.BlockHeaderSchema{Type: "store", LabelNames: []string{"kind"}},
	hcl.BlockHeaderSchema{Type: "secrets"},
	hcl.BlockHeaderSchema{Type: "profile", LabelNames: []string{"name"}},
	hcl.BlockHeaderSchema{Type: "plugin", LabelNames: []string{"name"}},
	hcl.BlockHeaderSchema{Type: "processor"},
	hcl.BlockHeaderSchema{Type: "response"},
	hcl.BlockHeaderSchema{Type: "rate_limit"},
	hcl.BlockHeaderSchema{Type: "fetch"},
	hcl.BlockHeaderSchema{Type: "upstream", LabelNames: []string{"kind"}},
)

// Load reads and decodes the configuration file at path. See Parse.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration file",
			Detail:   fmt.Sprintf("%s.", err),
			// No position: nothing was read. FormatDiagnostics prints
			// the file name alone.
			Subject: &hcl.Range{Filename: path},
		}}
	}
	return Parse(src, path)
}

// Parse decodes and validates the HCL configuration src. filename names
// it in diagnostics, and its directory is the base of the relative paths
// in the file (store path, plugin path, file()).
//
// On failure the error is an hcl.Diagnostics holding every problem found,
// sorted by position, each with a Subject range (file:line,column); see
// FormatDiagnostics. Diagnostics never contain a token or key value.
func Parse(src []byte, filename string) (*Config, error) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	d := &decoder{dir: filepath.Dir(filename)}
	d.ctx = evalContext(d.dir)
	cfg := d.decodeFile(f.Body)
	if !d.diags.HasErrors() {
		return cfg, nil
	}
	sortDiagnostics(d.diags)
	return nil, d.diags
}

// decodeFile decodes the top level, block by block, collecting every
// diagnostic.
func (d *decoder) decodeFile(body hcl.Body) *Config {
	blocks := d.bodyContent(body, fileSchema).Blocks.ByType()
	top := body.MissingItemRange()

	cfg := &Config{}
	cfg.Server = d.decodeServer(d.single(blocks["server"]))
	cfg.Log = d.decodeLog(d.single(blocks["log"]))
	cfg.RateLimit = d.decodeRateLimit(d.single(blocks["rate_limit"]))
	cfg.Fetch = d.decodeFetch(d.single(blocks["fetch"]))
	// Plugins first: the store, processor, response, upstream and
	// profiles refer to them.
	cfg.Plugins = d.decodePlugins(blocks["plugin"])
	cfg.Store = d.decodeStores(blocks["store"], top)
	cfg.Processor = d.decodeOptionalPluginRef(d.single(blocks["processor"]))
	cfg.Response = d.decodeOptionalPluginRef(d.single(blocks["response"]))
	cfg.Upstream = d.decodeUpstreams(blocks["upstream"])
	key, keyState := d.decodeSecrets(d.single(blocks["secrets"]))
	cfg.SecretKey = key
	cfg.Profiles = d.decodeProfiles(blocks["profile"], keyState, cfg.Processor, top)
	return cfg
}

// sortDiagnostics orders diags by file and position, keeping the order of
// diagnostics at the same place.
func sortDiagnostics(diags hcl.Diagnostics) {
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		switch {
		case a.Subject == nil && b.Subject == nil:
			return 0
		case a.Subject == nil:
			return -1
		case b.Subject == nil:
			return 1
		}
		if c := strings.Compare(a.Subject.Filename, b.Subject.Filename); c != 0 {
			return c
		}
		return a.Subject.Start.Byte - b.Subject.Start.Byte
	})
}

// FormatDiagnostics renders an error of Load or Parse one diagnostic per
// line, as
//
//	config.hcl:12,3-10: Unsupported argument; An argument named "foo" is not expected here.
//
// (file:line,column-endcolumn, or file:line,column-line,column when the
// range spans lines; file alone for a diagnostic about the whole file that
// has no position, such as a file that cannot be read). Warnings are
// prefixed "Warning: ". Any other error is rendered by its Error method.
// It prints no source lines, so a token written literally in the file
// cannot appear. The result has no trailing newline.
func FormatDiagnostics(err error) string {
	if err == nil {
		return ""
	}
	var diags hcl.Diagnostics
	if !errors.As(err, &diags) {
		return err.Error()
	}
	lines := make([]string, 0, len(diags))
	for _, diag := range diags {
		var b strings.Builder
		if diag.Severity == hcl.DiagWarning {
			b.WriteString("Warning: ")
		}
		switch {
		case diag.Subject == nil:
		case diag.Subject.Start.Line == 0: // no position: lines count from 1
			b.WriteString(diag.Subject.Filename)
			b.WriteString(": ")
		default:
			b.WriteString(diag.Subject.String())
			b.WriteString(": ")
		}
		b.WriteString(diag.Summary)
		if diag.Detail != "" {
			b.WriteString("; ")
			b.WriteString(diag.Detail)
		}
		lines = append(lines, b.String())
	}
	return strings.Join(lines, "\n")
}

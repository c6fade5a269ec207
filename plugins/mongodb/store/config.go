package store

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// Defaults of the configuration.
const (
	DefaultDatabase          = "registrar"
	DefaultClientsCollection = "clients"
	DefaultTokensCollection  = "initial_access_tokens"
	DefaultJTICollection     = "jti"
	DefaultConnectTimeout    = 10 * time.Second
	DefaultOperationTimeout  = 5 * time.Second
)

// Config is the parsed configuration of the store. Build it with ParseConfig
// from the plugin's config block, or fill it in directly; zero fields take
// their defaults in Open.
type Config struct {
	// URI is the MongoDB connection string (mongodb:// or mongodb+srv://).
	// It may carry credentials; use RedactedURI to show it.
	URI string
	// Database holds the collections. Default "registrar".
	Database string
	// ClientsCollection holds the client records. Default "clients".
	ClientsCollection string
	// TokensCollection holds the initial access tokens. Default
	// "initial_access_tokens".
	TokensCollection string
	// JTICollection holds the jti records of used software statements.
	// Default "jti".
	JTICollection string
	// WriteConcern of every write. Default majority; when nil, the URI's
	// w option applies if it sets one.
	WriteConcern *writeconcern.WriteConcern
	// ReadPreference of Get and GetByRegistrationToken. Default primary;
	// when nil, the URI's readPreference applies if it sets one. Checks that
	// decide an error (conflict or not found, token hash in use) always read
	// from the primary.
	ReadPreference *readpref.ReadPref
	// ConnectTimeout bounds establishing a connection, and Open's first
	// contact with the server. Default 10s; when zero, the URI's
	// connectTimeoutMS applies if it sets one.
	ConnectTimeout time.Duration
	// OperationTimeout bounds each store call, server selection included:
	// when the database is unreachable a call fails with sdk.ErrUnavailable
	// after at most this long. Default 5s.
	OperationTimeout time.Duration
	// TLS, when not nil, is the TLS configuration of the connections; it
	// overrides the URI's tls options.
	TLS *tls.Config
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.ClientsCollection == "" {
		c.ClientsCollection = DefaultClientsCollection
	}
	if c.TokensCollection == "" {
		c.TokensCollection = DefaultTokensCollection
	}
	if c.JTICollection == "" {
		c.JTICollection = DefaultJTICollection
	}
	if c.OperationTimeout <= 0 {
		c.OperationTimeout = DefaultOperationTimeout
	}
	return c
}

// RedactedURI returns the URI with its password replaced by "xxxxx", for
// logs and error messages.
func (c Config) RedactedURI() string { return RedactURI(c.URI) }

// clientOptions returns the driver options of c (defaults applied).
func (c Config) clientOptions() (*options.ClientOptions, error) {
	opts := options.Client().ApplyURI(c.URI)
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if c.WriteConcern != nil {
		opts.SetWriteConcern(c.WriteConcern)
	} else if opts.WriteConcern == nil {
		opts.SetWriteConcern(writeconcern.Majority())
	}
	if c.ReadPreference != nil {
		opts.SetReadPreference(c.ReadPreference)
	} else if opts.ReadPreference == nil {
		opts.SetReadPreference(readpref.Primary())
	}
	if c.ConnectTimeout > 0 {
		opts.SetConnectTimeout(c.ConnectTimeout)
	} else if opts.ConnectTimeout == nil {
		opts.SetConnectTimeout(DefaultConnectTimeout)
	}
	// Each call's context bounds its server selection (the operation
	// timeout, or the connect timeout for Open's first contact); this is
	// only a cap for both.
	opts.SetServerSelectionTimeout(max(*opts.ConnectTimeout, c.OperationTimeout))
	if c.TLS != nil {
		opts.SetTLSConfig(c.TLS)
	}
	if opts.AppName == nil {
		opts.SetAppName("registrar-mongodb")
	}
	return opts, nil
}

// configAttributes are the attributes of the plugin's config block.
var configAttributes = []string{
	"uri", "database", "clients_collection", "tokens_collection", "jti_collection",
	"write_concern", "read_preference", "connect_timeout", "operation_timeout", "tls",
}

var tlsAttributes = []string{"ca_file", "cert_file", "key_file", "insecure_skip_verify"}

// ParseConfig parses the plugin's config block (a JSON object):
//
//	{
//	  "uri": "mongodb://user:pass@db1,db2,db3/?replicaSet=rs0",  // required
//	  "database": "registrar",
//	  "clients_collection": "clients",
//	  "tokens_collection": "initial_access_tokens",
//	  "jti_collection": "jti",        // three distinct collections
//	  "write_concern": "majority",        // or a positive integer (1, 2, "1")
//	  "read_preference": "primary",       // primaryPreferred, secondary, secondaryPreferred, nearest
//	  "connect_timeout": "10s",
//	  "operation_timeout": "5s",
//	  "tls": {"ca_file": "", "cert_file": "", "key_file": "", "insecure_skip_verify": false}
//	}
//
// Every rejected value is a *plugin.ConfigError naming the attribute (a
// top-level key; problems inside tls name "tls"). Messages never contain the
// URI's password.
func ParseConfig(raw []byte) (Config, error) {
	var attrs map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return Config{}, &plugin.ConfigError{Message: "the configuration must be a JSON object"}
	}
	for name := range attrs {
		if !slices.Contains(configAttributes, name) {
			return Config{}, cfgErr(name, "unknown attribute; the attributes are %s", strings.Join(configAttributes, ", "))
		}
	}
	var c Config
	var err error

	// uri
	if c.URI, err = stringAttr(attrs, "uri"); err != nil {
		return Config{}, err
	}
	if strings.TrimSpace(c.URI) == "" {
		return Config{}, cfgErr("uri", "required: a MongoDB connection string such as mongodb://host:27017/")
	}
	if !strings.HasPrefix(c.URI, "mongodb://") && !strings.HasPrefix(c.URI, "mongodb+srv://") {
		return Config{}, cfgErr("uri", "must start with mongodb:// or mongodb+srv://")
	}
	if err := options.Client().ApplyURI(c.URI).Validate(); err != nil {
		return Config{}, cfgErr("uri", "%s", scrub(err.Error(), c.URI))
	}

	// database, collections
	if c.Database, err = stringAttr(attrs, "database"); err != nil {
		return Config{}, err
	}
	if _, set := attrs["database"]; set {
		if msg := databaseNameProblem(c.Database); msg != "" {
			return Config{}, cfgErr("database", "%s", msg)
		}
	}
	for _, coll := range []struct {
		attr string
		dst  *string
	}{
		{"clients_collection", &c.ClientsCollection},
		{"tokens_collection", &c.TokensCollection},
		{"jti_collection", &c.JTICollection},
	} {
		if *coll.dst, err = stringAttr(attrs, coll.attr); err != nil {
			return Config{}, err
		}
		if _, set := attrs[coll.attr]; set {
			if msg := collectionNameProblem(*coll.dst); msg != "" {
				return Config{}, cfgErr(coll.attr, "%s", msg)
			}
		}
	}
	if d := c.withDefaults(); d.TokensCollection == d.ClientsCollection {
		return Config{}, cfgErr("tokens_collection", "must differ from clients_collection (%q)", d.ClientsCollection)
	} else if d.JTICollection == d.ClientsCollection || d.JTICollection == d.TokensCollection {
		return Config{}, cfgErr("jti_collection", "must differ from clients_collection and tokens_collection (%q)", d.JTICollection)
	}

	// write_concern
	if v, set := attrs["write_concern"]; set {
		if c.WriteConcern, err = parseWriteConcern(v); err != nil {
			return Config{}, err
		}
	}

	// read_preference
	if _, set := attrs["read_preference"]; set {
		s, err := stringAttr(attrs, "read_preference")
		if err != nil {
			return Config{}, err
		}
		if c.ReadPreference, err = parseReadPreference(s); err != nil {
			return Config{}, err
		}
	}

	// timeouts
	if c.ConnectTimeout, err = durationAttr(attrs, "connect_timeout"); err != nil {
		return Config{}, err
	}
	if c.OperationTimeout, err = durationAttr(attrs, "operation_timeout"); err != nil {
		return Config{}, err
	}

	// tls
	if v, set := attrs["tls"]; set {
		if c.TLS, err = parseTLS(v); err != nil {
			return Config{}, err
		}
	}
	return c.withDefaults(), nil
}

func cfgErr(attr, format string, args ...any) *plugin.ConfigError {
	return &plugin.ConfigError{Attribute: attr, Message: fmt.Sprintf(format, args...)}
}

// stringAttr returns the string value of attrs[name], "" when absent.
func stringAttr(attrs map[string]json.RawMessage, name string) (string, error) {
	v, ok := attrs[name]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", cfgErr(name, "must be a string")
	}
	return s, nil
}

func durationAttr(attrs map[string]json.RawMessage, name string) (time.Duration, error) {
	if _, ok := attrs[name]; !ok {
		return 0, nil
	}
	s, err := stringAttr(attrs, name)
	if err != nil {
		return 0, cfgErr(name, "must be a duration string such as \"5s\" or \"500ms\"")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, cfgErr(name, "must be a duration such as \"5s\" or \"500ms\" (got %q)", s)
	}
	if d <= 0 {
		return 0, cfgErr(name, "must be positive (got %q)", s)
	}
	if d > 10*time.Minute {
		return 0, cfgErr(name, "must be at most 10m (got %q)", s)
	}
	return d, nil
}

// parseWriteConcern accepts "majority" or a positive number of members, as
// a JSON number or a string. w:0 is refused: an unacknowledged write cannot
// report a duplicate client_id or a lost race.
func parseWriteConcern(v json.RawMessage) (*writeconcern.WriteConcern, error) {
	const want = `must be "majority" or a positive integer number of members (1, 2, ...)`
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if dec.Decode(&n) != nil {
			return nil, cfgErr("write_concern", "%s", want)
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	if s == "majority" {
		return writeconcern.Majority(), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, cfgErr("write_concern", "%s (got %q)", want, s)
	}
	if n <= 0 {
		return nil, cfgErr("write_concern", "%s: unacknowledged writes (0) cannot report a duplicate client_id or a lost update (got %d)", want, n)
	}
	if n > 50 {
		return nil, cfgErr("write_concern", "%s: a replica set has at most 50 members (got %d)", want, n)
	}
	return &writeconcern.WriteConcern{W: n}, nil
}

func parseReadPreference(s string) (*readpref.ReadPref, error) {
	switch s {
	case "primary":
		return readpref.Primary(), nil
	case "primaryPreferred":
		return readpref.PrimaryPreferred(), nil
	case "secondary":
		return readpref.Secondary(), nil
	case "secondaryPreferred":
		return readpref.SecondaryPreferred(), nil
	case "nearest":
		return readpref.Nearest(), nil
	}
	return nil, cfgErr("read_preference",
		"must be one of primary, primaryPreferred, secondary, secondaryPreferred, nearest (got %q)", s)
}

func parseTLS(v json.RawMessage) (*tls.Config, error) {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(v, &attrs); err != nil || attrs == nil {
		return nil, cfgErr("tls", "must be an object with %s", strings.Join(tlsAttributes, ", "))
	}
	for name := range attrs {
		if !slices.Contains(tlsAttributes, name) {
			return nil, cfgErr("tls", "%s: unknown attribute; the attributes are %s", name, strings.Join(tlsAttributes, ", "))
		}
	}
	str := func(name string) (string, error) {
		s, err := stringAttr(attrs, name)
		if err != nil {
			return "", cfgErr("tls", "%s: must be a string", name)
		}
		return s, nil
	}
	caFile, err := str("ca_file")
	if err != nil {
		return nil, err
	}
	certFile, err := str("cert_file")
	if err != nil {
		return nil, err
	}
	keyFile, err := str("key_file")
	if err != nil {
		return nil, err
	}
	var insecure bool
	if raw, ok := attrs["insecure_skip_verify"]; ok {
		if err := json.Unmarshal(raw, &insecure); err != nil {
			return nil, cfgErr("tls", "insecure_skip_verify: must be a boolean")
		}
	}

	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // operator's explicit choice
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, cfgErr("tls", "ca_file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cfgErr("tls", "ca_file: %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile != "" && keyFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, cfgErr("tls", "cert_file/key_file: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case certFile != "":
		return nil, cfgErr("tls", "cert_file is set without key_file")
	case keyFile != "":
		return nil, cfgErr("tls", "key_file is set without cert_file")
	}
	return cfg, nil
}

// databaseNameProblem applies MongoDB's (and FerretDB's) rules for database
// names, or returns "".
func databaseNameProblem(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) > 63:
		return fmt.Sprintf("must be at most 63 bytes (got %d)", len(name))
	case strings.ContainsAny(name, "/\\. \"$*<>:|?\x00"):
		return fmt.Sprintf(`must not contain any of / \ . " $ * < > : | ? or spaces (got %q)`, name)
	}
	return ""
}

// collectionNameProblem applies MongoDB's rules for collection names, or
// returns "".
func collectionNameProblem(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) > 200:
		return fmt.Sprintf("must be at most 200 bytes (got %d)", len(name))
	case strings.ContainsAny(name, "$\x00"):
		return fmt.Sprintf("must not contain $ (got %q)", name)
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, "system."):
		return fmt.Sprintf("must not start with \".\" or \"system.\" (got %q)", name)
	}
	return ""
}

// RedactURI returns uri with the password of its user information replaced
// by "xxxxx". Text that does not look like a URI is returned unchanged.
func RedactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return uri
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return uri
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// password returns the password of uri as written and unescaped, or nil.
func password(uri string) []string {
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return nil
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return nil
	}
	_, pass, ok := strings.Cut(rest[:at], ":")
	if !ok || pass == "" {
		return nil
	}
	out := []string{pass}
	if un, err := url.PathUnescape(pass); err == nil && un != pass && un != "" {
		out = append(out, un)
	}
	return out
}

// scrub removes the URI and its password from a message.
func scrub(msg, uri string) string {
	if uri != "" {
		msg = strings.ReplaceAll(msg, uri, RedactURI(uri))
	}
	for _, p := range password(uri) {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
	}
	return msg
}

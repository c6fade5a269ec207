package store

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/registrar-dcr/registrar/sdk"
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

// Settings is the plugin's config block as written in the server's HCL
// file, decoded by sdk.DecodeConfig: the json tags are the attribute names,
// and an unknown attribute or a value of the wrong type is refused there,
// naming the attribute. A nil pointer is an absent attribute; Config checks
// the values and applies the defaults.
type Settings struct {
	// URI is required: mongodb:// or mongodb+srv://.
	URI               string  `json:"uri"`
	Database          *string `json:"database"`
	ClientsCollection *string `json:"clients_collection"`
	TokensCollection  *string `json:"tokens_collection"`
	JTICollection     *string `json:"jti_collection"`
	// WriteConcern is "majority" or a positive number of members, as a
	// number or a string.
	WriteConcern json.RawMessage `json:"write_concern"`
	// ReadPreference is primary, primaryPreferred, secondary,
	// secondaryPreferred or nearest.
	ReadPreference   *string      `json:"read_preference"`
	ConnectTimeout   *Timeout     `json:"connect_timeout"`
	OperationTimeout *Timeout     `json:"operation_timeout"`
	TLS              *TLSSettings `json:"tls"`
}

// TLSSettings is the tls attribute of the config block.
type TLSSettings struct {
	CAFile             string `json:"ca_file"`
	CertFile           string `json:"cert_file"`
	KeyFile            string `json:"key_file"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify"`
}

// Timeout is a duration attribute: a string such as "5s" or "500ms",
// positive and at most 10m.
type Timeout time.Duration

// UnmarshalJSON implements json.Unmarshaler; its errors are the messages
// sdk.DecodeConfig reports for the attribute.
func (t *Timeout) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`must be a duration string such as "5s" or "500ms"`)
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("must be a duration such as \"5s\" or \"500ms\" (got %q)", s)
	case d <= 0:
		return fmt.Errorf("must be positive (got %q)", s)
	case d > 10*time.Minute:
		return fmt.Errorf("must be at most 10m (got %q)", s)
	}
	*t = Timeout(d)
	return nil
}

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
// It is sdk.DecodeConfig into Settings, then Settings.Config. Every rejected
// value is a *sdk.ConfigError naming the attribute (a top-level key;
// problems inside tls name "tls"). Messages never contain the URI's
// password.
func ParseConfig(raw []byte) (Config, error) {
	st, err := sdk.DecodeConfig[Settings](raw)
	if err != nil {
		return Config{}, err
	}
	return st.Config()
}

// Config checks the settings and returns the Config they describe, with
// the defaults applied. Every rejected value is a *sdk.ConfigError naming
// the attribute.
func (st Settings) Config() (Config, error) {
	c := Config{URI: st.URI}
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
	if st.Database != nil {
		if msg := databaseNameProblem(*st.Database); msg != "" {
			return Config{}, cfgErr("database", "%s", msg)
		}
		c.Database = *st.Database
	}
	for _, coll := range []struct {
		attr string
		src  *string
		dst  *string
	}{
		{"clients_collection", st.ClientsCollection, &c.ClientsCollection},
		{"tokens_collection", st.TokensCollection, &c.TokensCollection},
		{"jti_collection", st.JTICollection, &c.JTICollection},
	} {
		if coll.src == nil {
			continue
		}
		if msg := collectionNameProblem(*coll.src); msg != "" {
			return Config{}, cfgErr(coll.attr, "%s", msg)
		}
		*coll.dst = *coll.src
	}
	if d := c.withDefaults(); d.TokensCollection == d.ClientsCollection {
		return Config{}, cfgErr("tokens_collection", "must differ from clients_collection (%q)", d.ClientsCollection)
	} else if d.JTICollection == d.ClientsCollection || d.JTICollection == d.TokensCollection {
		return Config{}, cfgErr("jti_collection", "must differ from clients_collection and tokens_collection (%q)", d.JTICollection)
	}

	var err error
	if st.WriteConcern != nil {
		if c.WriteConcern, err = parseWriteConcern(st.WriteConcern); err != nil {
			return Config{}, err
		}
	}
	if st.ReadPreference != nil {
		if c.ReadPreference, err = parseReadPreference(*st.ReadPreference); err != nil {
			return Config{}, err
		}
	}
	if st.ConnectTimeout != nil {
		c.ConnectTimeout = time.Duration(*st.ConnectTimeout)
	}
	if st.OperationTimeout != nil {
		c.OperationTimeout = time.Duration(*st.OperationTimeout)
	}
	if st.TLS != nil {
		if c.TLS, err = st.TLS.config(); err != nil {
			return Config{}, err
		}
	}
	return c.withDefaults(), nil
}

func cfgErr(attr, format string, args ...any) *sdk.ConfigError {
	return &sdk.ConfigError{Attribute: attr, Message: fmt.Sprintf(format, args...)}
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

// config returns the TLS configuration of the connections.
func (t TLSSettings) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // operator's explicit choice
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, cfgErr("tls", "ca_file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cfgErr("tls", "ca_file: %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, cfgErr("tls", "cert_file/key_file: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case t.CertFile != "":
		return nil, cfgErr("tls", "cert_file is set without key_file")
	case t.KeyFile != "":
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

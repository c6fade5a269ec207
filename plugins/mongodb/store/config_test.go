package store

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/registrar-dcr/registrar/sdk/plugin"
)

func TestParseConfigErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	const uri = `"uri": "mongodb://alice:s3cr3t@db.example.com/"`
	for _, tc := range []struct {
		name, config, attr string
	}{
		{"not an object", `[1]`, ""},
		{"not JSON", `{uri`, ""},
		{"uri missing", `{}`, "uri"},
		{"uri empty", `{"uri": ""}`, "uri"},
		{"uri not a string", `{"uri": 5}`, "uri"},
		{"uri scheme", `{"uri": "http://alice:s3cr3t@db.example.com/"}`, "uri"},
		{"uri without scheme", `{"uri": "alice:s3cr3t@db.example.com"}`, "uri"},
		{"uri bad port", `{"uri": "mongodb://alice:s3cr3t@db.example.com:port/"}`, "uri"},
		{"uri bad option", `{"uri": "mongodb://alice:s3cr3t@db.example.com/?w=majority&maxPoolSize=lots"}`, "uri"},
		{"unknown attribute", `{` + uri + `, "colour": "blue"}`, "colour"},
		{"database empty", `{` + uri + `, "database": ""}`, "database"},
		{"database slash", `{` + uri + `, "database": "a/b"}`, "database"},
		{"database dot", `{` + uri + `, "database": "a.b"}`, "database"},
		{"database too long", `{` + uri + `, "database": "` + strings.Repeat("d", 64) + `"}`, "database"},
		{"database number", `{` + uri + `, "database": 7}`, "database"},
		{"collection empty", `{` + uri + `, "clients_collection": ""}`, "clients_collection"},
		{"collection system", `{` + uri + `, "clients_collection": "system.users"}`, "clients_collection"},
		{"collection dollar", `{` + uri + `, "clients_collection": "a$b"}`, "clients_collection"},
		{"tokens collection empty", `{` + uri + `, "tokens_collection": ""}`, "tokens_collection"},
		{"tokens collection system", `{` + uri + `, "tokens_collection": "system.x"}`, "tokens_collection"},
		{"tokens collection number", `{` + uri + `, "tokens_collection": 1}`, "tokens_collection"},
		{"jti collection dollar", `{` + uri + `, "jti_collection": "$jti"}`, "jti_collection"},
		{"tokens collection is the clients'", `{` + uri + `, "tokens_collection": "clients"}`, "tokens_collection"},
		{"tokens collection is the configured clients'", `{` + uri + `, "clients_collection": "c", "tokens_collection": "c"}`, "tokens_collection"},
		{"jti collection is the clients'", `{` + uri + `, "clients_collection": "jti"}`, "jti_collection"},
		{"jti collection is the tokens'", `{` + uri + `, "jti_collection": "initial_access_tokens"}`, "jti_collection"},
		{"write concern 0", `{` + uri + `, "write_concern": 0}`, "write_concern"},
		{"write concern \"0\"", `{` + uri + `, "write_concern": "0"}`, "write_concern"},
		{"write concern negative", `{` + uri + `, "write_concern": -1}`, "write_concern"},
		{"write concern fraction", `{` + uri + `, "write_concern": 1.5}`, "write_concern"},
		{"write concern word", `{` + uri + `, "write_concern": "all"}`, "write_concern"},
		{"write concern bool", `{` + uri + `, "write_concern": true}`, "write_concern"},
		{"write concern huge", `{` + uri + `, "write_concern": 51}`, "write_concern"},
		{"read preference unknown", `{` + uri + `, "read_preference": "fastest"}`, "read_preference"},
		{"read preference case", `{` + uri + `, "read_preference": "Primary"}`, "read_preference"},
		{"read preference number", `{` + uri + `, "read_preference": 1}`, "read_preference"},
		{"connect timeout unitless", `{` + uri + `, "connect_timeout": "10"}`, "connect_timeout"},
		{"connect timeout number", `{` + uri + `, "connect_timeout": 10}`, "connect_timeout"},
		{"connect timeout zero", `{` + uri + `, "connect_timeout": "0s"}`, "connect_timeout"},
		{"connect timeout negative", `{` + uri + `, "connect_timeout": "-1s"}`, "connect_timeout"},
		{"operation timeout word", `{` + uri + `, "operation_timeout": "forever"}`, "operation_timeout"},
		{"operation timeout too long", `{` + uri + `, "operation_timeout": "11m"}`, "operation_timeout"},
		{"tls not an object", `{` + uri + `, "tls": true}`, "tls"},
		{"tls unknown attribute", `{` + uri + `, "tls": {"verify": true}}`, "tls"},
		{"tls ca file missing", `{` + uri + `, "tls": {"ca_file": "` + filepath.Join(dir, "absent.pem") + `"}}`, "tls"},
		{"tls ca file not PEM", `{` + uri + `, "tls": {"ca_file": "` + notPEM + `"}}`, "tls"},
		{"tls cert without key", `{` + uri + `, "tls": {"cert_file": "` + notPEM + `"}}`, "tls"},
		{"tls key without cert", `{` + uri + `, "tls": {"key_file": "` + notPEM + `"}}`, "tls"},
		{"tls bad key pair", `{` + uri + `, "tls": {"cert_file": "` + notPEM + `", "key_file": "` + notPEM + `"}}`, "tls"},
		{"tls insecure not bool", `{` + uri + `, "tls": {"insecure_skip_verify": "yes"}}`, "tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.config))
			var ce *plugin.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig(%s): %v, want a *plugin.ConfigError", tc.config, err)
			}
			if ce.Attribute != tc.attr {
				t.Fatalf("ParseConfig(%s): attribute %q (%v), want %q", tc.config, ce.Attribute, ce, tc.attr)
			}
			if ce.Message == "" {
				t.Fatal("empty message")
			}
			if strings.Contains(ce.Error(), "s3cr3t") {
				t.Fatalf("the error shows the password: %v", ce)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	for _, raw := range []string{`{"uri": "mongodb://localhost/"}`, `{"uri": "mongodb://localhost/", "tls": {}}`} {
		c, err := ParseConfig([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if c.Database != "registrar" || c.ClientsCollection != "clients" || c.TokensCollection != "initial_access_tokens" ||
			c.JTICollection != "jti" || c.OperationTimeout != 5*time.Second {
			t.Errorf("%s: defaults %+v", raw, c)
		}
		opts, err := c.clientOptions()
		if err != nil {
			t.Fatal(err)
		}
		if opts.WriteConcern.W != "majority" {
			t.Errorf("default write concern %v, want majority", opts.WriteConcern.W)
		}
		if opts.ReadPreference.Mode() != readpref.PrimaryMode {
			t.Errorf("default read preference %v, want primary", opts.ReadPreference.Mode())
		}
		if *opts.ConnectTimeout != 10*time.Second || *opts.ServerSelectionTimeout != 10*time.Second {
			t.Errorf("timeouts: connect %v, server selection %v", *opts.ConnectTimeout, *opts.ServerSelectionTimeout)
		}
	}
}

func TestParseConfigValues(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir)
	raw, _ := json.Marshal(map[string]any{
		"uri":                "mongodb://alice:s3cr3t@db1.example.com,db2.example.com/?replicaSet=rs0&w=1&readPreference=secondary",
		"database":           "dcr_prod",
		"clients_collection": "oauth_clients",
		"tokens_collection":  "oauth_iats",
		"jti_collection":     "oauth_jtis",
		"write_concern":      2,
		"read_preference":    "nearest",
		"connect_timeout":    "3s",
		"operation_timeout":  "1500ms",
		"tls":                map[string]any{"ca_file": certFile, "cert_file": certFile, "key_file": keyFile, "insecure_skip_verify": false},
	})
	c, err := ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "dcr_prod" || c.ClientsCollection != "oauth_clients" ||
		c.TokensCollection != "oauth_iats" || c.JTICollection != "oauth_jtis" ||
		c.ConnectTimeout != 3*time.Second || c.OperationTimeout != 1500*time.Millisecond {
		t.Errorf("parsed %+v", c)
	}
	if c.TLS == nil || c.TLS.RootCAs == nil || len(c.TLS.Certificates) != 1 || c.TLS.InsecureSkipVerify {
		t.Errorf("tls %+v", c.TLS)
	}
	opts, err := c.clientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.WriteConcern.W != 2 {
		t.Errorf("write concern %v, want 2 (the config overrides the URI)", opts.WriteConcern.W)
	}
	if opts.ReadPreference.Mode() != readpref.NearestMode {
		t.Errorf("read preference %v, want nearest (the config overrides the URI)", opts.ReadPreference.Mode())
	}
	if *opts.ConnectTimeout != 3*time.Second || *opts.ServerSelectionTimeout != 3*time.Second {
		t.Errorf("timeouts: connect %v, server selection %v", *opts.ConnectTimeout, *opts.ServerSelectionTimeout)
	}

	// Without the attributes, the URI's options stay.
	c, err = ParseConfig([]byte(`{"uri": "mongodb://db1/?w=1&readPreference=secondaryPreferred&connectTimeoutMS=2500"}`))
	if err != nil {
		t.Fatal(err)
	}
	if opts, err = c.clientOptions(); err != nil {
		t.Fatal(err)
	}
	if opts.WriteConcern.W != 1 || opts.ReadPreference.Mode() != readpref.SecondaryPreferredMode || *opts.ConnectTimeout != 2500*time.Millisecond {
		t.Errorf("URI options lost: w %v, read preference %v, connect timeout %v",
			opts.WriteConcern.W, opts.ReadPreference.Mode(), *opts.ConnectTimeout)
	}

	for in, want := range map[string]any{`"majority"`: "majority", `"1"`: 1, `1`: 1, `3`: 3, `" 2 "`: 2} {
		wc, err := parseWriteConcern(json.RawMessage(in))
		if err != nil {
			t.Errorf("write_concern %s: %v", in, err)
			continue
		}
		if wc.W != want {
			t.Errorf("write_concern %s: W %v, want %v", in, wc.W, want)
		}
	}
}

func TestRedactURI(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://alice:s3cr3t@db1,db2/?replicaSet=rs0":  "mongodb://alice:xxxxx@db1,db2/?replicaSet=rs0",
		"mongodb+srv://alice:p%40ss@cluster0.example.com": "mongodb+srv://alice:xxxxx@cluster0.example.com",
		"mongodb://alice:a:b@db1/":                        "mongodb://alice:xxxxx@db1/",
		"mongodb://alice@db1/":                            "mongodb://alice@db1/",
		"mongodb://db1:27017/?w=1":                        "mongodb://db1:27017/?w=1",
		"not a uri":                                       "not a uri",
	} {
		if got := RedactURI(in); got != want {
			t.Errorf("RedactURI(%q) = %q, want %q", in, got, want)
		}
	}
	msg := scrub("failed for mongodb://alice:p%40ss@db1/ with p@ss and p%40ss", "mongodb://alice:p%40ss@db1/")
	if strings.Contains(msg, "p@ss") || strings.Contains(msg, "p%40ss") {
		t.Errorf("scrub left the password: %q", msg)
	}
}

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "registrar-test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

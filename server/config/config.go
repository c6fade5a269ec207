package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// Config is a decoded and validated configuration file. Every field holds
// its final value: defaults are applied, relative paths are resolved and
// secrets are loaded. A Config returned by Load or Parse is always valid.
type Config struct {
	// Server is the HTTP listener and its limits (block "server").
	Server Server
	// Log is the logging setup (block "log").
	Log Log
	// Store is where clients are kept (block "store").
	Store Store
	// SecretKey is the 32-byte AES-256 key that seals client secrets at rest
	// (secrets.encryption_key); nil when not configured. It enables the
	// client_secret_jwt authentication method. Never log it.
	SecretKey []byte
	// Profiles are the registration profiles, in file order; at least one.
	Profiles []Profile
}

// Profile returns the profile with the given name.
func (c *Config) Profile(name string) (Profile, bool) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Server is the HTTP listener and its limits.
type Server struct {
	// Listen is the TCP address to listen on, host:port.
	Listen string
	// PublicBaseURL is the absolute http(s) URL under which clients reach
	// the server, without a trailing slash. registration_client_uri is
	// built from it (RFC 7592 §3).
	PublicBaseURL string
	// ReadTimeout, WriteTimeout and IdleTimeout are those of http.Server;
	// all positive.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// ShutdownTimeout bounds the graceful shutdown; positive.
	ShutdownTimeout time.Duration
	// MaxBodyBytes is the largest request body accepted (413 beyond).
	MaxBodyBytes int64
	// MaxStringLength is the largest string accepted in client metadata.
	MaxStringLength int
	// MaxArrayLength is the largest array accepted in client metadata.
	MaxArrayLength int
}

// Log is the logging setup.
type Log struct {
	// Level is one of trace, debug, info, warn, error.
	Level string
	// Format is text or json.
	Format string
}

// Store kinds of Store.Kind.
const (
	StoreSQLite = "sqlite"
	StoreMemory = "memory"
)

// Store says where clients are kept.
type Store struct {
	// Kind is StoreSQLite or StoreMemory.
	Kind string
	// Path is the absolute path of the SQLite database; empty for memory.
	Path string
}

// Rotation says when a client's registration access token is replaced by
// a new one (RFC 7592 §2.2 allows rotation on update).
type Rotation string

// Rotation policies.
const (
	// RotationOnUpdate issues a new registration access token with every
	// successful update; the old one stops working. The default.
	RotationOnUpdate Rotation = "on_update"
	// RotationNever keeps the token issued at registration for the life of
	// the client.
	RotationNever Rotation = "never"
	// RotationOnEveryUse issues a new token with every read and update.
	RotationOnEveryUse Rotation = "on_every_use"
)

// Profile is a registration profile: who may register (authentication)
// and what they may register (Policy). The credential a caller presents
// selects the profile; a caller without credential gets the anonymous
// profile, if there is one.
type Profile struct {
	// Name is the profile's label: [a-z0-9_-]+, unique in the file.
	Name string
	// Anonymous allows registration without any credential (open
	// registration). At most one profile is anonymous.
	Anonymous bool
	// InitialAccessTokens are the static initial access tokens
	// (RFC 7591 §3) that select this profile. Names and values are unique
	// in the whole file.
	InitialAccessTokens []StaticToken
	// Policy is what the profile allows; it is passed to every validation
	// step. Policy.SecretEncryption is true when Config.SecretKey is set;
	// Policy.MaxLifetime is in seconds.
	Policy sdk.Policy
	// SecretLifetime is how long an issued client secret is valid; 0 means
	// it never expires (client_secret_expires_at = 0, RFC 7591 §3.2.1).
	// Always whole seconds.
	SecretLifetime time.Duration
	// Rotation says when the registration access token rotates.
	Rotation Rotation
}

// StaticToken is an initial access token written in the configuration.
// Its String, GoString, LogValue and MarshalJSON methods redact the token,
// so printing or logging one never reveals it; read Token explicitly.
type StaticToken struct {
	// Name is the block label; it is what logs and sdk.Caller.TokenID show.
	Name string
	// Token is the secret value; at least 32 characters of the RFC 6750
	// b64token alphabet.
	Token string
}

const redacted = "REDACTED"

// String implements fmt.Stringer without revealing the token.
func (t StaticToken) String() string {
	return fmt.Sprintf("StaticToken{Name: %q, Token: %s}", t.Name, redacted)
}

// GoString implements fmt.GoStringer (the %#v verb) without revealing the
// token.
func (t StaticToken) GoString() string {
	return fmt.Sprintf("config.StaticToken{Name: %q, Token: %q}", t.Name, redacted)
}

// LogValue implements slog.LogValuer without revealing the token.
func (t StaticToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", t.Name), slog.String("token", redacted))
}

// MarshalJSON implements json.Marshaler without revealing the token.
func (t StaticToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	}{t.Name, redacted})
}

package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/hcl/v2"

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
	// RateLimit is the per-IP limit of registrations (block "rate_limit").
	RateLimit RateLimit
	// Fetch configures outbound fetches (block "fetch").
	Fetch Fetch
	// Store is where clients are kept (block "store").
	Store Store
	// SecretKey is the 32-byte AES-256 key that seals client secrets at rest
	// (secrets.encryption_key); nil when not configured. It enables the
	// client_secret_jwt authentication method. Never log it.
	SecretKey []byte
	// Profiles are the registration profiles, in file order; at least one.
	Profiles []Profile
	// Plugins are the out-of-process plugins (blocks "plugin"), in file
	// order; names are unique. Every plugin name that Store.Plugin,
	// Processor, Response, Upstream.Plugin or a profile's Validators hold
	// is one of them; a plugin may also be defined without being used.
	Plugins []Plugin
	// Processor is the plugin that processes a registration after
	// validation (block "processor"); "" means the built-in processor.
	Processor string
	// Response is the plugin that shapes the registration response (block
	// "response"); "" means the built-in response.
	Response string
	// Upstream is the authorization server every client is provisioned
	// into (block "upstream", at most one); nil means none: clients are
	// kept by Registrar alone.
	Upstream *Upstream
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

// Plugin returns the plugin with the given name.
func (c *Config) Plugin(name string) (Plugin, bool) {
	for _, p := range c.Plugins {
		if p.Name == name {
			return p, true
		}
	}
	return Plugin{}, false
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
	// MaxStringLength is the largest string accepted anywhere in a
	// request body, values and member names, in bytes once decoded.
	MaxStringLength int
	// MaxArrayLength is the largest array accepted in client metadata.
	MaxArrayLength int
	// MaxDepth bounds the nesting of objects and arrays in a
	// request body (the body is level 1); at most sdk.MaxDepthLimit.
	MaxDepth int
	// MaxUnknownBytes bounds the unknown members a profile with
	// keep_unknown_metadata keeps: names and values as sent, all together.
	MaxUnknownBytes int
	// TrustedProxies are the IP addresses and CIDR prefixes of proxies
	// whose X-Forwarded-For header names the client; empty means the
	// peer address is the client's, whatever the headers say.
	TrustedProxies []string
	// TLS serves https (HTTP/2 and HTTP/1.1) when set; nil serves plain
	// http.
	TLS *TLS
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
	StorePlugin = "plugin"
)

// Store says where clients are kept.
type Store struct {
	// Kind is StoreSQLite, StoreMemory or StorePlugin.
	Kind string
	// Path is the absolute path of the SQLite database; empty for the
	// other kinds.
	Path string
	// Plugin is the name of the plugin (in Config.Plugins) that is the
	// store when Kind is StorePlugin; empty for the other kinds.
	Plugin string
	// Tokens, set only for a plugin store (from its tokens block), is the
	// store that keeps the initial access tokens and the software-statement
	// jtis, so that the plugin keeps clients alone (an authorization
	// server's admin API, say). Nil: the store keeps all three. It has no
	// Tokens of its own.
	Tokens *Store
}

// TokenStore returns the store block that keeps the initial access tokens
// and jtis: Tokens when set, s itself otherwise.
func (s Store) TokenStore() Store {
	if s.Tokens != nil {
		return *s.Tokens
	}
	return s
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
	// IssuedTokens admits callers presenting an initial access token issued
	// with "registrar token create -profile NAME" (kept hashed in the
	// store, with an expiry and a use count).
	IssuedTokens bool
	// BearerJWT admits callers presenting a JWT access token of an
	// authority; nil when not configured.
	BearerJWT *BearerJWT
	// SoftwareStatement is how software statements are verified and
	// applied (RFC 7591 §2.3); nil means a request carrying one is
	// refused as unapproved.
	SoftwareStatement *SoftwareStatement
	// CORSOrigins are the browser origins allowed to call the registration
	// endpoints as this profile (lowercase scheme://host[:port]); empty
	// allows none.
	CORSOrigins []string
	// MaxClients bounds the number of clients registered under the
	// profile; 0 means no bound.
	MaxClients int64
	// Policy is what the profile allows; it is passed to every validation
	// step. Policy.SecretEncryption is true when Config.SecretKey is set
	// and Config.Processor is empty: the key reaches only the built-in
	// processor, so a processor plugin can keep no recoverable secret.
	// Policy.MaxLifetime is in seconds.
	Policy sdk.Policy
	// SecretLifetime is how long an issued client secret is valid; 0 means
	// it never expires (client_secret_expires_at = 0, RFC 7591 §3.2.1).
	// Always whole seconds.
	SecretLifetime time.Duration
	// Rotation says when the registration access token rotates.
	Rotation Rotation
	// Validators are the validators a registration goes through, in
	// order: BuiltinValidator or the name of a plugin in Config.Plugins;
	// at least one, no duplicates. Default: [BuiltinValidator].
	Validators []string
}

// BuiltinValidator is the name, in Profile.Validators, of the built-in
// RFC 7591 / OpenID Connect DCR validator. It is reserved: no plugin may
// be called so.
const BuiltinValidator = "rfc"

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

// Plugin is an out-of-process plugin (block "plugin"), run with
// hashicorp/go-plugin. The host starts Path with Args and exactly the
// environment Env, checks the executable against SHA256 first (unless
// DevMode), and sends Config to the plugin when it starts.
//
// Env and Config may hold secrets read with env() or file(): never log
// them.
type Plugin struct {
	// Name is the block label: [a-z0-9_-]+, unique among plugins, and never
	// "rfc" or "builtin".
	Name string
	// Path is the absolute path of the plugin executable; when the
	// configuration was loaded it was a regular file with an execute bit.
	Path string
	// SHA256 is the lowercase hex SHA-256 checksum the executable must have
	// (go-plugin's SecureConfig). It is empty only when DevMode is set.
	SHA256 string
	// SHA256Range is the range of the sha256 value, where a checksum that
	// does not match points (see VerifyPlugins); zero when SHA256 is empty.
	SHA256Range hcl.Range
	// DevMode runs the plugin without a pinned checksum; for development
	// only. When SHA256 is set too, it is still checked.
	DevMode bool
	// Optional means a plugin that fails to start is reported by /readyz
	// instead of stopping the server.
	Optional bool
	// DisableMTLS turns off go-plugin's AutoMTLS (tls = false), for plugins
	// that cannot do it; the default is mTLS on.
	DisableMTLS bool
	// Args are the command-line arguments after the executable's name.
	Args []string
	// Env is the whole environment of the plugin, as "KEY=value", sorted by
	// key; the server's own environment is not inherited. Never nil (empty
	// when the file sets none), so that exec.Cmd.Env = Env never means
	// "inherit".
	Env []string
	// Timeout is the deadline of each call to the plugin; positive.
	Timeout time.Duration
	// StartTimeout bounds the plugin's start; positive.
	StartTimeout time.Duration
	// Config is the plugin's config block as one JSON object, "{}" when
	// there is none.
	Config []byte
	// ConfigAttrs is the range of each attribute of the config block, by
	// name (empty, never nil, without one), so that a plugin's complaint
	// about its configuration can point at the line; see ConfigError.
	ConfigAttrs map[string]hcl.Range
	// Range is the plugin block's header, plugin "name".
	Range hcl.Range
}

// ConfigError is the error to report when the plugin rejects its
// configuration: an hcl.Diagnostics of one error (render it with
// FormatDiagnostics) whose summary is "Plugin rejected its configuration"
// and detail `plugin "NAME": MESSAGE`. It points at the attribute of the
// config block called attribute, or at the plugin block when attribute is
// "" or not in the config block.
func (p Plugin) ConfigError(attribute, message string) error {
	rng, ok := p.ConfigAttrs[attribute]
	if attribute == "" || !ok {
		rng = p.Range
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Plugin rejected its configuration",
		Detail:   fmt.Sprintf("plugin %q: %s", p.Name, message),
		Subject:  rng.Ptr(),
	}}
}

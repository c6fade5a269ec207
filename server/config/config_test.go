package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/registrar-dcr/registrar/sdk"
)

// testKey is the encryption key of full.hcl; its URL-safe base64 form
// holds "-" and "_", so it also proves the URL alphabet is accepted.
var testKey = bytes.Repeat([]byte{0xfb, 0xff}, 16)

const testCIToken = "ci-token-0123456789abcdefghijklmnopqrstuvwxyz"

func TestLoadFull(t *testing.T) {
	t.Setenv("REGISTRAR_TEST_SECRET_KEY", base64.RawURLEncoding.EncodeToString(testKey))
	t.Setenv("REGISTRAR_TEST_CI_TOKEN", testCIToken)

	got, err := Load("testdata/full.hcl")
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}
	dbPath, err := filepath.Abs("testdata/data/registrar.db")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Server: Server{
			Listen:          "0.0.0.0:9443",
			PublicBaseURL:   "https://dcr.example.com/registrar",
			ReadTimeout:     5 * time.Second,
			WriteTimeout:    7 * time.Second,
			IdleTimeout:     2 * time.Minute,
			ShutdownTimeout: 30 * time.Second,
			MaxBodyBytes:    131072,
			MaxStringLength: 4096,
			MaxArrayLength:  32,
			MaxDepth:        12,
			MaxUnknownBytes: 4096,
			TrustedProxies:  []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"},
		},
		Log:       Log{Level: "debug", Format: "json"},
		RateLimit: RateLimit{Enabled: true, Rate: 2.5, Burst: 7, MaxTracked: 500},
		Fetch: Fetch{AllowHTTP: true, AllowPrivateAddresses: true, Timeout: 2 * time.Second,
			MaxBytes: 65536, CacheTTL: time.Minute},
		Store:     Store{Kind: StoreSQLite, Path: dbPath},
		SecretKey: testKey,
		Profiles: []Profile{
			{
				Name:         "partners",
				CORSOrigins:  []string{"https://partner.example.com", "http://localhost:6274"},
				MaxClients:   250,
				IssuedTokens: true,
				BearerJWT: &BearerJWT{
					Issuer:        "https://auth.example.com",
					JWKSURI:       "https://auth.example.com/keys",
					Audiences:     []string{"https://dcr.example.com"},
					RequiredScope: "dcr:register dcr:admin",
					Algorithms:    []string{"ES256"},
					TokenTypes:    []string{"at+jwt"},
					ClockSkew:     30 * time.Second,
				},
				SoftwareStatement: &SoftwareStatement{
					Required: true, Strict: true, MaxAge: 24 * time.Hour, RequireJTI: true,
					Issuers: []TrustedIssuer{
						{Issuer: "https://directory.example.com", JWKSURI: "https://directory.example.com/jwks.json", Algorithms: []string{"PS256"},
							Audiences: []string{"https://dcr.example.com"}},
						{Issuer: "https://other.example.com", JWKS: `{"keys": [{"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}` + "\n",
							Algorithms: []string{"RS256", "PS256", "ES256", "EdDSA"}},
					},
				},
				InitialAccessTokens: []StaticToken{
					{Name: "ci", Token: testCIToken},
					// From tokens/partner-a.token, relative to the
					// config file, trailing newlines trimmed.
					{Name: "partner-a", Token: "partner-a-0123456789abcdefghijklmnopqrstuv"},
				},
				Policy: sdk.Policy{
					GrantTypes:          []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"},
					ResponseTypes:       []string{"code", "code id_token", "none"},
					AuthMethods:         []string{"client_secret_jwt", "private_key_jwt", "tls_client_auth"},
					Scopes:              []string{"openid", "api:read", "api:write"},
					DefaultScope:        "openid api:read",
					RedirectURIMode:     sdk.RedirectURIModeStrict,
					AllowHTTPRedirects:  true,
					SigningAlgs:         []string{"PS256", "ES384", "HS512"},
					KeepUnknownMetadata: true,
					SecretEncryption:    true,
					MaxLifetime:         12 * 3600,
				},
				SecretLifetime: 720 * time.Hour,
				Rotation:       RotationOnEveryUse,
				Validators:     []string{"rfc"},
			},
			{
				Name:      "open",
				Anonymous: true,
				Policy: sdk.Policy{
					GrantTypes:       []string{"authorization_code"},
					ResponseTypes:    []string{"code"},
					AuthMethods:      []string{"none"},
					Scopes:           []string{"openid", "profile", "email", "offline_access"},
					DefaultScope:     "openid",
					RedirectURIMode:  sdk.RedirectURIModeStandard,
					SigningAlgs:      []string{"RS256", "PS256", "ES256", "EdDSA"},
					SecretEncryption: true,

					InferNativeApplicationType: true,
				},
				Rotation:   RotationNever,
				Validators: []string{"rfc"},
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		// Tokens are redacted by %+v; compare them separately.
		t.Errorf("Load(full.hcl) =\n%+v\nwant\n%+v", got, want)
	}
	for i := range want.Profiles {
		for j, tok := range want.Profiles[i].InitialAccessTokens {
			if g := got.Profiles[i].InitialAccessTokens; j >= len(g) || g[j].Token != tok.Token {
				t.Errorf("profile %q token %q: wrong value", want.Profiles[i].Name, tok.Name)
			}
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	got, err := Load("testdata/minimal.hcl")
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}
	want := &Config{
		Server: Server{
			Listen:          "127.0.0.1:8080",
			PublicBaseURL:   "http://127.0.0.1:8080",
			ReadTimeout:     10 * time.Second,
			WriteTimeout:    10 * time.Second,
			IdleTimeout:     60 * time.Second,
			ShutdownTimeout: 15 * time.Second,
			MaxBodyBytes:    65536,
			MaxStringLength: 2048,
			MaxArrayLength:  64,
			MaxDepth:        32,
			MaxUnknownBytes: 16384,
		},
		Log:       Log{Level: "info", Format: "text"},
		RateLimit: RateLimit{Enabled: true, Rate: 5, Burst: 20, MaxTracked: 100000},
		Fetch:     Fetch{Timeout: 5 * time.Second, MaxBytes: 256 << 10, CacheTTL: 5 * time.Minute},
		Store:     Store{Kind: StoreMemory},
		Profiles: []Profile{{
			Name:      "default",
			Anonymous: true,
			Policy: sdk.Policy{
				GrantTypes:      []string{"authorization_code", "refresh_token", "client_credentials"},
				ResponseTypes:   []string{"code"},
				AuthMethods:     []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
				Scopes:          []string{"openid", "profile", "email", "offline_access"},
				DefaultScope:    "openid",
				RedirectURIMode: sdk.RedirectURIModeStandard,
				SigningAlgs:     []string{"RS256", "PS256", "ES256", "EdDSA"},
			},
			Rotation:   RotationOnUpdate,
			Validators: []string{"rfc"},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(minimal.hcl) =\n%+v\nwant\n%+v", got, want)
	}
}

// TestParseDefaultsPerAttribute checks defaults that depend on other
// attributes, and values that are normalized.
func TestParseDefaultsPerAttribute(t *testing.T) {
	const profile = `
store "memory" {}
profile "p" {
  authentication {
    anonymous = true
  }
  policy {
    %s
  }
}
`
	tests := []struct {
		name   string
		server string
		policy string
		check  func(t *testing.T, c *Config)
	}{{
		name:   "public base url follows listen",
		server: `listen = "127.0.0.1:9999"`,
		check: func(t *testing.T, c *Config) {
			if c.Server.PublicBaseURL != "http://127.0.0.1:9999" {
				t.Errorf("PublicBaseURL = %q", c.Server.PublicBaseURL)
			}
		},
	}, {
		name:   "public base url for a wildcard listen uses localhost",
		server: `listen = ":8443"`,
		check: func(t *testing.T, c *Config) {
			if c.Server.PublicBaseURL != "http://localhost:8443" {
				t.Errorf("PublicBaseURL = %q", c.Server.PublicBaseURL)
			}
		},
	}, {
		name:   "public base url trailing slash dropped",
		server: `public_base_url = "https://example.com/"`,
		check: func(t *testing.T, c *Config) {
			if c.Server.PublicBaseURL != "https://example.com" {
				t.Errorf("PublicBaseURL = %q", c.Server.PublicBaseURL)
			}
		},
	}, {
		name:   "scopes without default_scope has no default scope",
		policy: `scopes = ["api"]`,
		check: func(t *testing.T, c *Config) {
			if p := c.Profiles[0].Policy; p.DefaultScope != "" || !reflect.DeepEqual(p.Scopes, []string{"api"}) {
				t.Errorf("Scopes = %q, DefaultScope = %q", p.Scopes, p.DefaultScope)
			}
		},
	}, {
		name:   "empty scopes and response types are allowed",
		policy: "scopes = []\n response_types = []\n grant_types = [\"client_credentials\"]",
		check: func(t *testing.T, c *Config) {
			p := c.Profiles[0].Policy
			if len(p.Scopes) != 0 || len(p.ResponseTypes) != 0 || p.DefaultScope != "" {
				t.Errorf("Scopes = %q, ResponseTypes = %q, DefaultScope = %q", p.Scopes, p.ResponseTypes, p.DefaultScope)
			}
		},
	}, {
		name:   "explicit empty default_scope",
		policy: `default_scope = ""`,
		check: func(t *testing.T, c *Config) {
			if p := c.Profiles[0].Policy; p.DefaultScope != "" {
				t.Errorf("DefaultScope = %q", p.DefaultScope)
			}
		},
	}, {
		name:   "zero lifetimes",
		policy: "max_token_lifetime = \"0s\"\n client_secret_lifetime = \"0\"",
		check: func(t *testing.T, c *Config) {
			if p := c.Profiles[0]; p.Policy.MaxLifetime != 0 || p.SecretLifetime != 0 {
				t.Errorf("MaxLifetime = %d, SecretLifetime = %s", p.Policy.MaxLifetime, p.SecretLifetime)
			}
		},
	}, {
		name:   "response type combinations are put in canonical order",
		policy: `response_types = ["token id_token code", "token id_token"]`,
		check: func(t *testing.T, c *Config) {
			want := []string{"code id_token token", "id_token token"}
			if got := c.Profiles[0].Policy.ResponseTypes; !reflect.DeepEqual(got, want) {
				t.Errorf("ResponseTypes = %q, want %q", got, want)
			}
		},
	}, {
		name:   "null means absent",
		policy: `redirect_uri_mode = null`,
		check: func(t *testing.T, c *Config) {
			if got := c.Profiles[0].Policy.RedirectURIMode; got != sdk.RedirectURIModeStandard {
				t.Errorf("RedirectURIMode = %q", got)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "server {\n" + tt.server + "\n}\n" + fmt.Sprintf(profile, tt.policy)
			c, err := Parse([]byte(src), "inline.hcl")
			if err != nil {
				t.Fatalf("Parse: %s", FormatDiagnostics(err))
			}
			tt.check(t, c)
		})
	}
}

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string // set for the test
		unset     []string          // unset for the test
		line, col int
		msg       string // substring of "Summary; Detail"
	}{
		{name: "bearer_jwt_no_audiences", line: 5, col: 5, msg: "bearer_jwt: audiences is required"},
		{name: "bearer_jwt_hs256", line: 8, col: 30, msg: `"HS256" is symmetric`},
		{name: "bearer_jwt_bad_issuer", line: 6, col: 19, msg: "bearer_jwt: issuer must be an absolute https URL"},
		{name: "ssa_no_issuer", line: 7, col: 3, msg: "software_statement: add at least one issuer"},
		{name: "ssa_both_keys", line: 10, col: 18, msg: "set jwks_uri or jwks, not both"},
		{name: "ssa_bad_jwks", line: 9, col: 14, msg: "jwks must be a JWK Set"},
		{name: "bad_cors_origin", line: 4, col: 19, msg: "is not an origin"},
		{name: "bad_trusted_proxy", line: 2, col: 22, msg: `"10.0.0.0/33" is not an IP address or CIDR prefix`},
		{name: "trust_every_proxy", line: 2, col: 22, msg: `"0.0.0.0/0" trusts every address`},
		{name: "rate_zero", line: 4, col: 10, msg: "rate must be greater than 0"},
		{name: "max_clients_zero", line: 4, col: 17, msg: "max_clients must be between 1 and"},
		{name: "unknown_block", line: 9, col: 1, msg: `Blocks of type "metrics" are not expected here`},
		{name: "unknown_attribute", line: 3, col: 3, msg: `An argument named "port" is not expected here`},
		{name: "wrong_type", line: 2, col: 20, msg: `"max_body_bytes": number required`},
		{name: "bad_duration", line: 2, col: 18, msg: `read_timeout: "10 seconds" is not a duration`},
		{name: "negative_duration", line: 2, col: 18, msg: "idle_timeout must not be negative"},
		{name: "zero_duration", line: 2, col: 22, msg: "shutdown_timeout must be greater than zero"},
		{name: "fractional_lifetime", line: 8, col: 26, msg: "max_token_lifetime must be a whole number of seconds"},
		{name: "negative_secret_lifetime", line: 8, col: 30, msg: "client_secret_lifetime must not be negative"},
		{name: "env_unset", unset: []string{"REGISTRAR_TEST_UNSET"}, line: 6, col: 15, msg: `environment variable "REGISTRAR_TEST_UNSET" is not set`},
		{name: "short_token", line: 6, col: 15, msg: `initial_access_token "ci": the token must be at least 32 characters; it has 9`},
		{name: "token_charset", line: 6, col: 15, msg: "RFC 6750 §2.1 b64token"},
		{name: "token_missing", line: 5, col: 31, msg: `The argument "token" is required`},
		{name: "duplicate_token_label", line: 13, col: 26, msg: `An initial_access_token named "ci" was already defined at testdata/invalid/duplicate_token_label.hcl:5,26-30`},
		{name: "duplicate_token_value", line: 9, col: 15, msg: `initial_access_token "two" has the same token as initial_access_token "one"`},
		{name: "duplicate_profile", line: 9, col: 9, msg: `A profile named "default" was already defined at testdata/invalid/duplicate_profile.hcl:3,9-18`},
		{name: "bad_profile_name", line: 3, col: 9, msg: `Invalid profile name`},
		{name: "two_anonymous", line: 11, col: 17, msg: `Profile "other" is anonymous, and so is profile "default"`},
		{name: "unknown_grant_type", line: 8, col: 42, msg: `grant_types[1]: unknown grant type "magic"`},
		{name: "empty_grant_types", line: 8, col: 19, msg: "grant_types must list at least one value"},
		{name: "duplicate_grant_type", line: 8, col: 59, msg: `grant_types[2]: "refresh_token" is listed twice`},
		{name: "unknown_response_type", line: 8, col: 31, msg: `response_types[1]: unknown response type "code code"`},
		{name: "unknown_auth_method", line: 8, col: 59, msg: `unknown token endpoint auth method "secret_in_url"`},
		{name: "default_scope_not_allowed", line: 9, col: 21, msg: `default_scope: "openid" not in scopes`},
		{name: "bad_scope_token", line: 8, col: 25, msg: `scopes[1]: "api read" is not a scope token`},
		{name: "client_secret_jwt_without_key", line: 8, col: 55, msg: "set secrets.encryption_key"},
		{name: "bad_key_length", line: 4, col: 20, msg: "must decode to exactly 32 bytes (an AES-256 key); it decodes to 9 bytes"},
		{name: "key_not_base64", line: 4, col: 20, msg: "encryption_key must be base64"},
		{name: "store_kind_unknown", line: 1, col: 7, msg: `The store kind must be one of "memory", "plugin", "sqlite"; got "postgres"`},
		{name: "sqlite_without_path", line: 1, col: 1, msg: "The sqlite store needs path"},
		{name: "sqlite_empty_path", line: 2, col: 10, msg: "path must not be empty"},
		{name: "memory_with_path", line: 2, col: 3, msg: `An argument named "path" is not expected here`},
		{name: "two_stores", line: 3, col: 1, msg: "Only one store block is allowed. Another was defined at testdata/invalid/two_stores.hcl:1,1-15"},
		{name: "no_store", line: 1, col: 1, msg: "A store block is required"},
		{name: "no_profile", line: 1, col: 1, msg: "At least one profile block is required"},
		{name: "no_way_in", line: 4, col: 3, msg: `Profile "closed" admits nobody`},
		{name: "no_authentication", line: 3, col: 1, msg: `Profile "closed" has no authentication block`},
		{name: "bad_redirect_uri_mode", line: 8, col: 25, msg: `redirect_uri_mode must be one of "standard", "strict"; got "lenient"`},
		{name: "infer_native_not_bool", line: 8, col: 37, msg: `"infer_native_application_type": bool required`},
		{name: "bad_rotation", line: 8, col: 35, msg: `registration_token_rotation must be one of "on_update", "never", "on_every_use"; got "always"`},
		{name: "signing_alg_none", line: 8, col: 30, msg: `signing_algs[1]: "none" is never allowed`},
		{name: "unknown_signing_alg", line: 8, col: 30, msg: `unknown JWS algorithm "RS1"`},
		{name: "bad_public_base_url", line: 2, col: 21, msg: "public_base_url must not have a query or a fragment"},
		{name: "relative_public_base_url", line: 2, col: 21, msg: "public_base_url must be an absolute http or https URL"},
		{name: "bad_listen", line: 2, col: 12, msg: "listen: must be host:port"},
		{name: "body_limit_out_of_range", line: 2, col: 20, msg: "max_body_bytes must be between 1024 and 10485760; got 100"},
		{name: "fractional_number", line: 2, col: 22, msg: "max_array_length must be a whole number"},
		{name: "nesting_depth_out_of_range", line: 3, col: 23, msg: "max_nesting_depth must be between 5 and 1000; got 1001"},
		{name: "nesting_depth_too_small", line: 2, col: 23, msg: "max_nesting_depth must be between 5 and 1000; got 4"},
		{name: "unknown_metadata_bytes_zero", line: 2, col: 32, msg: "max_unknown_metadata_bytes must be between 1 and 10485760; got 0"},
		{name: "string_length_below_member_names", line: 2, col: 23, msg: "max_string_length must be between 64 and 2147483647; got 32"},
		{name: "bad_log_level", line: 2, col: 11, msg: `level must be one of "trace", "debug", "info", "warn", "error"; got "verbose"`},
		{name: "duplicate_server", line: 2, col: 1, msg: "Duplicate server block"},
		{name: "file_missing", line: 6, col: 15, msg: `Call to function "file" failed: cannot read "testdata/invalid/tokens/missing.token"`},
		// file() reads ../tokens/short.token relative to the config file,
		// so the token is decoded, and refused for its length.
		{name: "file_short_token", line: 6, col: 15, msg: `initial_access_token "ci": the token must be at least 32 characters; it has 11`},
		{name: "variable", line: 6, col: 15, msg: "Variables not allowed"},
		{name: "syntax_error", line: 3, col: 19, msg: "Unclosed configuration block"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			for _, k := range tt.unset {
				t.Setenv(k, "") // restores the variable after the test
				os.Unsetenv(k)
			}
			path := "testdata/invalid/" + tt.name + ".hcl"
			cfg, err := Load(path)
			if err == nil {
				t.Fatalf("Load(%s) succeeded: %+v", path, cfg)
			}
			if cfg != nil {
				t.Errorf("Load(%s) returned a Config with an error", path)
			}
			diags := diagnostics(t, err)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1:\n%s", len(diags), FormatDiagnostics(err))
			}
			checkDiag(t, diags[0], path, tt.line, tt.col, tt.msg)
		})
	}
	// Every fixture has a case.
	files, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".hcl"); !seen[name] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

// TestLoadAllDiagnostics checks that one pass reports every problem, in
// file order, without diagnostics that only follow from another one.
func TestLoadAllDiagnostics(t *testing.T) {
	const path = "testdata/multiple_errors.hcl"
	_, err := Load(path)
	want := []struct {
		line, col int
		msg       string
	}{
		{2, 18, "listen: must be host:port"},
		{3, 18, `read_timeout: "soon" is not a duration`},
		{4, 3, `An argument named "colour" is not expected here`},
		{7, 1, "The sqlite store needs path"},
		{11, 17, `Inappropriate value for attribute "anonymous": bool required`},
		{14, 43, `unknown grant type "magic"`},
		{15, 21, `"none" is never allowed`},
		{19, 9, `A profile named "a" was already defined`},
		{20, 3, `Profile "a" admits nobody`},
	}
	diags := diagnostics(t, err)
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(want), FormatDiagnostics(err))
	}
	for i, w := range want {
		checkDiag(t, diags[i], path, w.line, w.col, w.msg)
	}
}

// TestSecretsNeverInDiagnostics feeds bad tokens and keys through env(),
// file() and literals, and checks that no rendering of the error shows
// them.
func TestSecretsNeverInDiagnostics(t *testing.T) {
	const (
		shortToken   = "s3cr3t-sh0rt-t0k3n"
		badToken     = "this token has spaces but is long enough"
		literalToken = "literal secret token with spaces 0123456789"
		badKey       = "a2V5LXRoYXQtaXMtdG9vLXNob3J0"
		notBase64Key = "k3y!that#is*not%base64^at&all"
		fileToken    = "f1le-t0ken"
	)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file.token"), []byte(fileToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REGISTRAR_TEST_SHORT", shortToken)
	t.Setenv("REGISTRAR_TEST_BAD", badToken)
	t.Setenv("REGISTRAR_TEST_KEY", badKey)
	t.Setenv("REGISTRAR_TEST_KEY2", notBase64Key)
	src := `
store "memory" {}
secrets {
  encryption_key = env("REGISTRAR_TEST_KEY")
}
profile "a" {
  authentication {
    initial_access_token "short" {
      token = env("REGISTRAR_TEST_SHORT")
    }
    initial_access_token "bad" {
      token = env("REGISTRAR_TEST_BAD")
    }
    initial_access_token "literal" {
      token = "` + literalToken + `"
    }
    initial_access_token "file" {
      token = file("file.token")
    }
    initial_access_token "number" {
      max_body_bytes = env("REGISTRAR_TEST_SHORT")
      token          = env("REGISTRAR_TEST_SHORT")
    }
  }
}
profile "b" {
  authentication {
    anonymous = env("REGISTRAR_TEST_SHORT")
  }
}
`
	src2 := `
store "memory" {}
secrets {
  encryption_key = env("REGISTRAR_TEST_KEY2")
}
profile "a" {
  authentication {
    anonymous = true
  }
}
`
	for i, s := range []string{src, src2} {
		_, err := Parse([]byte(s), filepath.Join(dir, "config.hcl"))
		if err == nil {
			t.Fatalf("source %d: Parse succeeded", i)
		}
		diags := diagnostics(t, err)
		rendered := []string{err.Error(), FormatDiagnostics(err), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)}
		for _, d := range diags {
			rendered = append(rendered, d.Summary, d.Detail, d.Error())
		}
		for _, secret := range []string{shortToken, badToken, literalToken, badKey, notBase64Key, fileToken} {
			for _, r := range rendered {
				if strings.Contains(r, secret) {
					t.Errorf("source %d: diagnostics reveal %q:\n%s", i, secret, r)
				}
			}
		}
		if i == 0 && len(diags) < 6 {
			t.Errorf("source %d: got %d diagnostics, want at least 6:\n%s", i, len(diags), FormatDiagnostics(err))
		}
	}
}

func TestEnvEmptyIsNotAbsent(t *testing.T) {
	t.Setenv("REGISTRAR_TEST_EMPTY", "")
	src := `
store "memory" {}
secrets {
  encryption_key = env("REGISTRAR_TEST_EMPTY")
}
profile "a" {
  authentication {
    initial_access_token "ci" {
      token = env("REGISTRAR_TEST_EMPTY")
    }
  }
}
`
	_, err := Parse([]byte(src), "empty.hcl")
	diags := diagnostics(t, err)
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics, want 2:\n%s", len(diags), FormatDiagnostics(err))
	}
	checkDiag(t, diags[0], "empty.hcl", 4, 20, "encryption_key must be base64")
	checkDiag(t, diags[1], "empty.hcl", 9, 15, "it has 0")
}

func TestSecretKeyEncodings(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(0xf0 + i%16) // base64 with "+" "/" or "-" "_"
	}
	tests := []struct {
		name string
		enc  *base64.Encoding
	}{
		{"std padded", base64.StdEncoding},
		{"std unpadded", base64.RawStdEncoding},
		{"url padded", base64.URLEncoding},
		{"url unpadded", base64.RawURLEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("REGISTRAR_TEST_KEY", tt.enc.EncodeToString(key))
			src := `
store "memory" {}
secrets {
  encryption_key = env("REGISTRAR_TEST_KEY")
}
profile "a" {
  authentication {
    anonymous = true
  }
  policy {
    token_endpoint_auth_methods = ["client_secret_jwt"]
  }
}
`
			c, err := Parse([]byte(src), "key.hcl")
			if err != nil {
				t.Fatalf("Parse: %s", FormatDiagnostics(err))
			}
			if !bytes.Equal(c.SecretKey, key) {
				t.Errorf("SecretKey = %x, want %x", c.SecretKey, key)
			}
			if !c.Profiles[0].Policy.SecretEncryption {
				t.Error("Policy.SecretEncryption = false with a key")
			}
		})
	}
}

func TestParseRelativeToConfigDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	const token = "dir-relative-token-0123456789abcdefghij"
	if err := os.WriteFile(filepath.Join(dir, "secrets", "ci.token"), []byte(token+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `
store "sqlite" {
  path = "db/registrar.db"
}
profile "ci" {
  authentication {
    initial_access_token "ci" {
      token = file("secrets/ci.token")
    }
  }
}
`
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %s", FormatDiagnostics(err))
	}
	if want := filepath.Join(dir, "db", "registrar.db"); c.Store.Path != want {
		t.Errorf("Store.Path = %q, want %q", c.Store.Path, want)
	}
	if got := c.Profiles[0].InitialAccessTokens; len(got) != 1 || got[0].Token != token {
		t.Errorf("token from file() is wrong")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.hcl")
	diags := diagnostics(t, err)
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1", len(diags))
	}
	// Nothing was read, so the diagnostic names the file without a
	// position (line 0), and the rendering has no "1,1-1".
	checkDiag(t, diags[0], "testdata/does-not-exist.hcl", 0, 0, "Cannot read configuration file; no such file or directory")
	if got, want := FormatDiagnostics(err), "testdata/does-not-exist.hcl: Cannot read configuration file; no such file or directory."; got != want {
		t.Errorf("FormatDiagnostics = %q, want %q", got, want)
	}
}

func TestFormatDiagnostics(t *testing.T) {
	diags := hcl.Diagnostics{
		{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   `An argument named "foo" is not expected here.`,
			Subject: &hcl.Range{
				Filename: "config.hcl",
				Start:    hcl.Pos{Line: 12, Column: 3},
				End:      hcl.Pos{Line: 12, Column: 10},
			},
		},
		{
			Severity: hcl.DiagWarning,
			Summary:  "Deprecated",
			Subject: &hcl.Range{
				Filename: "config.hcl",
				Start:    hcl.Pos{Line: 1, Column: 1},
				End:      hcl.Pos{Line: 3, Column: 2},
			},
		},
		{Severity: hcl.DiagError, Summary: "No place", Detail: "Somewhere."},
		{Severity: hcl.DiagError, Summary: "Whole file", Detail: "No position.", Subject: &hcl.Range{Filename: "gone.hcl"}},
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain error", errors.New("boom"), "boom"},
		{"diagnostics", diags, `config.hcl:12,3-10: Unsupported argument; An argument named "foo" is not expected here.` + "\n" +
			"Warning: config.hcl:1,1-3,2: Deprecated\n" +
			"No place; Somewhere.\n" +
			"gone.hcl: Whole file; No position."},
		{"wrapped diagnostics", fmt.Errorf("config: %w", diags[:1]), `config.hcl:12,3-10: Unsupported argument; An argument named "foo" is not expected here.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDiagnostics(tt.err); got != tt.want {
				t.Errorf("FormatDiagnostics =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestStaticTokenRedacted(t *testing.T) {
	const secret = "super-secret-token-value-0123456789"
	tok := StaticToken{Name: "ci", Token: secret}
	p := Profile{Name: "p", InitialAccessTokens: []StaticToken{tok}}

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("token", "t", tok)
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", tok),
		"%+v": fmt.Sprintf("%+v", tok),
		//lint:ignore S1025 the case is what the %s verb prints, not what String returns
		"%s":          fmt.Sprintf("%s", tok),
		"%#v":         fmt.Sprintf("%#v", tok),
		"pointer %v":  fmt.Sprintf("%v", &tok),
		"profile %v":  fmt.Sprintf("%v", p),
		"profile %+v": fmt.Sprintf("%+v", p),
		"profile %#v": fmt.Sprintf("%#v", p),
		"slog":        logged.String(),
		"json":        string(js),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("%s reveals the token: %s", name, out)
		}
		if !strings.Contains(out, "REDACTED") || !strings.Contains(out, "ci") {
			t.Errorf("%s = %s, want the name and REDACTED", name, out)
		}
	}
	if got, want := tok.String(), `StaticToken{Name: "ci", Token: REDACTED}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

func TestConfigProfile(t *testing.T) {
	c := &Config{Profiles: []Profile{{Name: "a"}, {Name: "b", Anonymous: true}}}
	tests := []struct {
		name   string
		wantOK bool
	}{{"a", true}, {"b", true}, {"c", false}, {"", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := c.Profile(tt.name)
			if ok != tt.wantOK || (ok && p.Name != tt.name) {
				t.Errorf("Profile(%q) = %q, %v", tt.name, p.Name, ok)
			}
		})
	}
	if _, ok := (&Config{}).Profile("a"); ok {
		t.Error("Profile on an empty Config found something")
	}
}

// diagnostics returns err as hcl.Diagnostics, failing the test otherwise.
func diagnostics(t *testing.T, err error) hcl.Diagnostics {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var diags hcl.Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("error is %T, not hcl.Diagnostics: %v", err, err)
	}
	return diags
}

// checkDiag checks that d is an error at file:line,col (col 0: any) whose
// "Summary; Detail" contains msg.
func checkDiag(t *testing.T, d *hcl.Diagnostic, file string, line, col int, msg string) {
	t.Helper()
	if d.Severity != hcl.DiagError {
		t.Errorf("severity = %v, want error", d.Severity)
	}
	if d.Subject == nil {
		t.Fatalf("diagnostic %q has no subject", d.Summary)
	}
	if d.Subject.Filename != file || d.Subject.Start.Line != line || (col != 0 && d.Subject.Start.Column != col) {
		t.Errorf("at %s, want %s:%d,%d", d.Subject, file, line, col)
	}
	if got := d.Summary + "; " + d.Detail; !strings.Contains(got, msg) {
		t.Errorf("message %q does not contain %q", got, msg)
	}
}

// TestShippedConfig: the repository's config.hcl loads once make run has
// written the initial access token, and is the secure default: no open
// registration, issued tokens accepted, the rate limit on, no private
// fetches.
func TestShippedConfig(t *testing.T) {
	src, err := os.ReadFile("../../config.hcl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	tok := "shipped-config-token-0123456789abcdefghijkl"
	if err := os.WriteFile(filepath.Join(dir, "data", "initial_access_token"), []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("config.hcl: %s", FormatDiagnostics(err))
	}
	p, ok := cfg.Profile("default")
	switch {
	case !ok || len(cfg.Profiles) != 1:
		t.Fatalf("profiles %+v", cfg.Profiles)
	case p.Anonymous:
		t.Error("the shipped profile is open")
	case !p.IssuedTokens:
		t.Error("the shipped profile does not accept issued tokens")
	case len(p.InitialAccessTokens) != 1 || p.InitialAccessTokens[0].Token != tok:
		t.Error("the static token is not read from data/initial_access_token")
	case !cfg.RateLimit.Enabled:
		t.Error("the rate limit is off")
	case cfg.Fetch.AllowPrivateAddresses || cfg.Fetch.AllowHTTP:
		t.Error("fetches may reach private addresses or plain http")
	case cfg.Store.Kind != StoreSQLite:
		t.Errorf("store %q", cfg.Store.Kind)
	}
}

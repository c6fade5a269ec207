package loadtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// configBase is the server part of every scenario; %%s are replaced by
// StartServer (listen address, base URL), the rest by Config.
const configBase = `
server {
  listen          = "%%s"
  public_base_url = "%%s"
}
log {
  level = "warn"
}
# The load generator is one address sending thousands of registrations a
# second: the per-IP limit that protects a real deployment is off here.
rate_limit {
  enabled = false
}
%s
profile "load" {
  authentication {
    initial_access_token "load" {
      token = env("REGISTRAR_INITIAL_ACCESS_TOKEN")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "none"]
    scopes                      = ["openid", "profile"]
    default_scope               = "openid"
  }
  validators = [%s]
}
`

// Config returns the configuration template of a scenario: "sqlite",
// "plugin-validator" (pluginPath after the built-in validator),
// "plugin-store" (pluginPath as the store) or "plugin-upstream" (the
// SQLite store, and pluginPath as the upstream every registration is
// provisioned into before Registrar answers, e.g. plugins/hydra).
// pluginConfig holds the HCL attributes of the plugin's config block.
func Config(scenario, pluginPath, pluginConfig string) (string, error) {
	sqlite := `store "sqlite" {
  path = "registrar.db"
}`
	switch scenario {
	case "sqlite":
		return fmt.Sprintf(configBase, sqlite, `"rfc"`), nil
	case "plugin-validator", "plugin-store":
		block, err := pluginBlock(pluginPath, pluginConfig, "")
		if err != nil {
			return "", err
		}
		if scenario == "plugin-validator" {
			return fmt.Sprintf(configBase, sqlite+"\n"+block, `"rfc", "p"`), nil
		}
		return fmt.Sprintf(configBase, "store \"plugin\" {\n  plugin = \"p\"\n}\n"+block, `"rfc"`), nil
	case "plugin-upstream":
		// An upstream call waits for the authorization server (Hydra
		// hashes each secret with PBKDF2): the plugin's own timeout (10s
		// for hydra) bounds it, and the host's is above it, as the hydra
		// README advises, so that a slow upstream shows as latency.
		block, err := pluginBlock(pluginPath, pluginConfig, `timeout = "12s"`)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(configBase, sqlite+"\n"+block+"upstream \"plugin\" {\n  plugin = \"p\"\n}\n", `"rfc"`), nil
	}
	return "", fmt.Errorf("unknown scenario %q", scenario)
}

// pluginBlock is a plugin block named "p" with its checksum pinned; attrs
// are more attributes of the block ("" for none).
func pluginBlock(path, config, attrs string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	f, err := os.Open(abs)
	if err != nil {
		return "", fmt.Errorf("plugin binary: %w (run make build)", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if attrs != "" {
		attrs = "  " + attrs + "\n"
	}
	config = strings.ReplaceAll(config, "%", "%%")
	return fmt.Sprintf("plugin \"p\" {\n  path   = %q\n  sha256 = %q\n%s  config {\n    %s\n  }\n}\n",
		abs, hex.EncodeToString(h.Sum(nil)), strings.ReplaceAll(attrs, "%", "%%"), config), nil
}

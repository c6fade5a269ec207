# Registrar with the example plugins of examples/plugins: the built-in RFC
# validator followed by a company policy, a processor that prefixes client
# ids per tenant, and a response generator that adds a member.
#
# Build the plugins, from the repository root:
#
#   go build -o bin/plugins/company-policy ./examples/plugins/company-policy
#   go build -o bin/plugins/tenant-prefix  ./examples/plugins/tenant-prefix
#   go build -o bin/plugins/extra-field    ./examples/plugins/extra-field
#
# then run:
#
#   REGISTRAR_INITIAL_ACCESS_TOKEN="$(bin/registrar token generate)" \
#     bin/registrar serve -config examples/config/plugins.hcl
#
# Relative paths are relative to this file.
#
# Every plugin below runs with dev_mode = true: the server starts the
# executable without checking its SHA-256 checksum, which is convenient while
# you rebuild it and unsafe anywhere else. In production remove dev_mode and
# pin each executable: `make checksums` prints the sha256 line of every
# plugin in bin/plugins (or run `sha256sum bin/plugins/NAME`), e.g.
#
#   sha256 = "4f2a...c9"   # 64 hex digits
#
# The server then refuses to start a plugin whose file has changed.

server {
  listen          = "127.0.0.1:8080"
  public_base_url = "http://127.0.0.1:8080"
}

log {
  level  = "info"
  format = "text"
}

store "sqlite" {
  path = "../../data/registrar-plugins.db"
}

# A validator: the built-in rules plus https redirect URIs on the company's
# domains, authorization_code only, and a bound on access_token_lifetime.
plugin "company-policy" {
  path     = "../../bin/plugins/company-policy"
  dev_mode = true # development only; pin sha256 in production (see above)
  timeout  = "2s" # deadline of each call

  config {
    allowed_domains           = ["example.com", "example.org"]
    max_access_token_lifetime = 3600 # seconds
  }
}

# The processor: client ids "TENANT.<random>", the tenant taken from the
# caller's bearer JWT claim, "public" for other callers.
plugin "tenant-prefix" {
  path     = "../../bin/plugins/tenant-prefix"
  dev_mode = true # development only; pin sha256 in production (see above)

  config {
    claim          = "tenant"
    default_tenant = "public"
  }
}

# The response generator: the standard answer plus
# "registrar_example": {"profile": ..., "docs": ...}.
plugin "extra-field" {
  path     = "../../bin/plugins/extra-field"
  dev_mode = true # development only; pin sha256 in production (see above)

  config {
    docs_url = "https://docs.example.com/registration"
  }
}

# A validator written in Node (examples/plugins/node-validator), after
# `npm ci --prefix examples/plugins/node-validator`. It cannot do go-plugin's
# automatic mutual TLS, hence tls = false: a plain loopback TCP connection,
# weaker than the default. The server's environment is not inherited: give
# it a PATH that finds node. Add "node-validator" to a profile's validators
# to use it.
#
# plugin "node-validator" {
#   path     = "../plugins/node-validator/run.sh"
#   dev_mode = true
#   tls      = false
#   env      = { PATH = "/usr/local/bin:/usr/bin:/bin" }
#   config {
#     blocked_words = ["admin", "root"]
#   }
# }

processor {
  plugin = "tenant-prefix"
}

response {
  plugin = "extra-field"
}

profile "default" {
  # The built-in RFC 7591 / OpenID Connect validator first, then the
  # company's rules on top.
  validators = ["rfc", "company-policy"]

  authentication {
    anonymous = false

    initial_access_token "example" {
      token = env("REGISTRAR_INITIAL_ACCESS_TOKEN")
    }
  }

  policy {
    grant_types                 = ["authorization_code", "refresh_token"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "private_key_jwt", "none"]
    scopes                      = ["openid", "profile", "email", "offline_access"]
    default_scope               = "openid"
    redirect_uri_mode           = "strict"
    signing_algs                = ["RS256", "PS256", "ES256", "EdDSA"]
    max_token_lifetime          = "24h"
    client_secret_lifetime      = "0s"
    registration_token_rotation = "on_update"
  }
}

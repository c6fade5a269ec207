# Registrar configuration — the working default.
#
# Validate with:  bin/registrar check -config config.hcl
# No secret is written here: `make run` generates the initial access token
# below on first run and keeps it in data/initial_access_token (mode 0600);
# other secrets come from the environment with env("NAME").

server {
  listen          = "127.0.0.1:8080"
  public_base_url = "http://127.0.0.1:8080" # registration_client_uri is built from it
  read_timeout    = "10s"
  write_timeout   = "10s"
  max_body_bytes  = 65536
}

log {
  level  = "info"
  format = "text"
}

# Per client IP, on POST /connect/dcr: a token bucket of 20, refilled at 5
# per second; beyond it, 429 with Retry-After. Behind a proxy, list it in
# server.trusted_proxies so X-Forwarded-For is believed (and only then).
rate_limit {
  rate  = 5
  burst = 20
}

# Embedded SQLite (WAL, one writer, a read pool). Path is relative to this file.
store "sqlite" {
  path = "data/registrar.db"
}

# Registration is protected: a caller must present an initial access token
# (RFC 7591 §3) as "Authorization: Bearer <token>": the static one below, or
# one issued with
#   make token USES=10 EXPIRES=24h
# (bin/registrar token create; printed once, stored only as a hash, with an
# expiry and a use count).
# examples/config/profiles.hcl adds an open profile for MCP-style native
# clients and a bearer-JWT profile for CI pipelines.
profile "default" {
  authentication {
    anonymous     = false
    issued_tokens = true

    initial_access_token "quickstart" {
      token = file("data/initial_access_token") # written (mode 0600) by make run on first start
    }
  }

  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    scopes                      = ["openid", "profile", "email", "offline_access", "api"]
    default_scope               = "openid"
    redirect_uri_mode           = "standard"
    signing_algs                = ["RS256", "PS256", "ES256", "EdDSA"]
    client_secret_lifetime      = "0s"        # secrets never expire
    registration_token_rotation = "on_update" # a new registration access token with every update
  }
}

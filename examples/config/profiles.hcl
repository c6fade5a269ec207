# Three registration profiles, three ways in (README: "Who may register").
#
#   bin/registrar serve -config examples/config/profiles.hcl
#
# needs REGISTRAR_CI_JWKS: the JWK Set of the authority whose access tokens
# the "ci" profile accepts (go run ./examples/devjwt writes one).

server {
  listen          = "127.0.0.1:8080"
  public_base_url = "http://127.0.0.1:8080"
}

store "sqlite" {
  path = "../../data/registrar.db" # relative to this file: data/ at the top of the repository
}

rate_limit {
  rate  = 5  # registrations per second per client IP, sustained
  burst = 20
}

# MCP clients and other public native apps register themselves without any
# credential: public clients only (no secret, PKCE at the authorization
# server), loopback or private-use redirect URIs (RFC 8252), short token
# lifetimes, and a cap on how many may register. Browser-based tools (the
# MCP Inspector runs on http://localhost:6274) may call from their page.
# Some MCP clients (Cursor-like ones registering cursor://... plus a loopback
# URI) send no application_type; OpenID Connect's default "web" would refuse
# their redirect URIs, so this profile infers "native" for them.
profile "mcp" {
  cors_origins = ["http://localhost:6274"]
  max_clients  = 10000

  authentication {
    anonymous = true
  }

  policy {
    grant_types                 = ["authorization_code", "refresh_token"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["none"]
    scopes                      = ["openid", "profile", "offline_access", "mcp"]
    default_scope               = "openid mcp"
    redirect_uri_mode           = "standard"
    max_token_lifetime          = "1h"
    registration_token_rotation = "on_update"

    # No application_type, and every redirect URI is http on 127.0.0.1,
    # [::1] or localhost, or a private-use scheme: register as "native".
    infer_native_application_type = true
  }
}

# Confidential partner applications: each registration needs an initial
# access token issued by an operator with
#   bin/registrar token create -config examples/config/profiles.hcl -profile partners -uses 1
profile "partners" {
  authentication {
    issued_tokens = true
  }

  policy {
    grant_types                 = ["authorization_code", "refresh_token"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "private_key_jwt"]
    scopes                      = ["openid", "profile", "email", "api"]
    default_scope               = "openid"
    redirect_uri_mode           = "strict" # https only, no loopback
    client_secret_lifetime      = "2160h"  # 90 days
  }
}

# CI pipelines hold an access token of the company's authorization server
# with the dcr:register scope, and register machine clients.
profile "ci" {
  authentication {
    bearer_jwt {
      issuer         = "https://auth.example.test"
      jwks           = env("REGISTRAR_CI_JWKS") # or jwks_uri, or discovery from the issuer
      audiences      = ["http://127.0.0.1:8080"]
      required_scope = "dcr:register"
      token_types    = ["at+jwt"] # RFC 9068 access tokens only
      algorithms     = ["ES256", "RS256"]
    }
  }

  policy {
    grant_types                 = ["client_credentials"]
    response_types              = []
    token_endpoint_auth_methods = ["client_secret_basic", "private_key_jwt"]
    scopes                      = ["api"]
    default_scope               = "api"
  }
}

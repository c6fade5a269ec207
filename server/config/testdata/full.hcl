# Every attribute set to a value other than its default.

server {
  listen            = "0.0.0.0:9443"
  public_base_url   = "https://dcr.example.com/registrar/"
  read_timeout      = "5s"
  write_timeout     = "7s"
  idle_timeout      = "2m"
  shutdown_timeout  = "30s"
  max_body_bytes    = 131072
  max_string_length = 4096
  max_array_length  = 32
}

log {
  level  = "debug"
  format = "json"
}

store "sqlite" {
  path = "data/registrar.db"
}

secrets {
  encryption_key = env("REGISTRAR_TEST_SECRET_KEY")
}

profile "partners" {
  authentication {
    initial_access_token "ci" {
      token = env("REGISTRAR_TEST_CI_TOKEN")
    }
    initial_access_token "partner-a" {
      token = file("tokens/partner-a.token")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]
    response_types              = ["code", "id_token code", "none"]
    token_endpoint_auth_methods = ["client_secret_jwt", "private_key_jwt", "tls_client_auth"]
    scopes                      = ["openid", "api:read", "api:write"]
    default_scope               = "openid  api:read"
    redirect_uri_mode           = "strict"
    allow_http_redirects        = true
    signing_algs                = ["PS256", "ES384", "HS512"]
    keep_unknown_metadata       = true
    max_token_lifetime          = "12h"
    client_secret_lifetime      = "720h"
    registration_token_rotation = "on_every_use"
  }
}

profile "open" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types                 = ["authorization_code"]
    token_endpoint_auth_methods = ["none"]
    registration_token_rotation = "never"
  }
}

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
  max_nesting_depth = 12
  max_unknown_metadata_bytes = 4096
  trusted_proxies   = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
}

rate_limit {
  enabled     = true
  rate        = 2.5
  burst       = 7
  max_tracked = 500
}

fetch {
  allow_http              = true
  allow_private_addresses = true
  timeout                 = "2s"
  max_bytes               = 65536
  cache_ttl               = "1m"
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
  cors_origins = ["https://Partner.example.com", "http://localhost:6274"]
  max_clients  = 250

  authentication {
    issued_tokens = true
    bearer_jwt {
      issuer         = "https://auth.example.com"
      jwks_uri       = "https://auth.example.com/keys"
      audiences      = ["https://dcr.example.com"]
      required_scope = "dcr:register  dcr:admin"
      algorithms     = ["ES256"]
      token_types    = ["at+jwt"]
      clock_skew     = "30s"
    }
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
  software_statement {
    required    = true
    strict      = true
    max_age     = "24h"
    require_jti = true
    issuer "https://directory.example.com" {
      jwks_uri   = "https://directory.example.com/jwks.json"
      algorithms = ["PS256"]
      audiences  = ["https://dcr.example.com"]
    }
    issuer "https://other.example.com" {
      jwks = <<-EOT
        {"keys": [{"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}
      EOT
    }
  }
}

profile "open" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types                   = ["authorization_code"]
    token_endpoint_auth_methods   = ["none"]
    registration_token_rotation   = "never"
    infer_native_application_type = true
  }
}

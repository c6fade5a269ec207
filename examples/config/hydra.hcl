# Registrar provisioning into Ory Hydra: every registration is written into
# Hydra's admin API, so the client_id and client_secret of a 201 get tokens
# at Hydra's token endpoint. `make run-hydra` starts a Hydra in memory
# (public API 127.0.0.1:4444, admin API 127.0.0.1:4445) and serves this file;
# README "Provisioning into your authorization server" walks through it.
# Paths are relative to this file.

server {
  listen          = "127.0.0.1:8080"
  public_base_url = "http://127.0.0.1:8080"
}

store "sqlite" {
  path = "../../data/registrar-hydra.db"
}

plugin "hydra" {
  path = "../../bin/plugins/hydra"
  # make run-hydra writes the checksum of the plugin it just built here. In
  # production pin the literal value instead (sha256sum bin/plugins/hydra).
  sha256  = file("../../data/hydra-plugin.sha256")
  timeout = "9s" # per call: an update makes two Hydra calls of at most 4s each
  env     = {}
  config {
    admin_url = "http://127.0.0.1:4445" # Hydra's admin API: never expose it
    owner     = "registrar"             # the marker `registrar reconcile` finds its clients by
    timeout   = "4s"                    # per Hydra call
  }
}

# Every create, update and delete reaches Hydra first (see the README for
# the order of the writes and what a failure leaves).
upstream "plugin" {
  plugin = "hydra"
}

# Services and apps register with the initial access token that
# `make run-hydra` generated (data/initial_access_token).
profile "default" {
  authentication {
    initial_access_token "quickstart" {
      token = file("../../data/initial_access_token")
    }
  }
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials"]
    response_types              = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    scopes                      = ["openid", "offline_access", "api"]
    default_scope               = "openid"
  }
}

# MCP clients register anonymously, as the MCP specification expects: public
# native clients on loopback or private-use redirect URIs only.
profile "mcp" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types                   = ["authorization_code", "refresh_token"]
    response_types                = ["code"]
    token_endpoint_auth_methods   = ["none"]
    scopes                        = ["openid", "offline_access"]
    default_scope                 = "openid"
    infer_native_application_type = true
  }
}

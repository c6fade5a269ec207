store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    token_endpoint_auth_methods = ["private_key_jwt", "client_secret_jwt"]
  }
}

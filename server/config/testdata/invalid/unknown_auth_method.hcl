store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    token_endpoint_auth_methods = ["client_secret_basic", "secret_in_url"]
  }
}

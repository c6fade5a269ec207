store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    max_token_lifetime = "1500ms"
  }
}

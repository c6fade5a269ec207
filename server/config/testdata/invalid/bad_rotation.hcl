store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    registration_token_rotation = "always"
  }
}

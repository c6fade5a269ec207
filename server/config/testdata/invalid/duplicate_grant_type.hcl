store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types = ["refresh_token", "authorization_code", "refresh_token"]
  }
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types = ["authorization_code", "magic"]
  }
}

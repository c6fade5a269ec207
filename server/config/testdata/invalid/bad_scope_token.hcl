store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    scopes = ["openid", "api read"]
  }
}

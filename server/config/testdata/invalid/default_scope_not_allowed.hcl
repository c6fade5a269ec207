store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    scopes        = ["api:read", "api:write"]
    default_scope = "api:read openid"
  }
}

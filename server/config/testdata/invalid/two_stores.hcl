store "memory" {}

store "sqlite" {
  path = "registrar.db"
}

profile "default" {
  authentication {
    anonymous = true
  }
}

store "memory" {
  path = "data/registrar.db"
}

profile "default" {
  authentication {
    anonymous = true
  }
}

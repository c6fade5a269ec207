plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "sqlite" {
  path = "data/registrar.db"
  tokens "memory" {}
}

profile "p" {
  authentication {
    anonymous = true
  }
}

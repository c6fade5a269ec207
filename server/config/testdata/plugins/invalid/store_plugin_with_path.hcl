plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
  plugin = "a"
  path   = "data/registrar.db"
}

profile "p" {
  authentication {
    anonymous = true
  }
}

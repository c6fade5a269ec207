plugin "admin-api" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
  plugin = "admin-api"
  tokens "memory" {}
}

profile "p" {
  authentication {
    anonymous = true
  }
}

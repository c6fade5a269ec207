plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
  plugin = "a"
  tokens "sqlite" {}
}

profile "p" {
  authentication {
    anonymous = true
  }
}

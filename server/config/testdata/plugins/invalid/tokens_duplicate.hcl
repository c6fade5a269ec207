plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
  plugin = "a"
  tokens "memory" {}
  tokens "memory" {}
}

profile "p" {
  authentication {
    anonymous = true
  }
}

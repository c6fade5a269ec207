plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
  plugin = "a"
  tokens "plugin" {
    plugin = "a"
    tokens "memory" {}
  }
}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
  plugin = "mongodb"
}

profile "p" {
  authentication {
    anonymous = true
  }
}

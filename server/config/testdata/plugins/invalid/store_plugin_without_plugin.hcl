plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "plugin" {
}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "builtin" {
  path     = "bin/ok"
  dev_mode = true
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

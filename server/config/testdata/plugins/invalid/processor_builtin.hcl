plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

processor {
  plugin = "builtin"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

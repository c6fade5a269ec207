plugin "a" {
  dev_mode = true
  path     = "bin/nope"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = false
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

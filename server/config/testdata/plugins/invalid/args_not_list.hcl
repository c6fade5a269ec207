plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  args     = "-v"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

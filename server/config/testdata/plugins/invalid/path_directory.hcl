plugin "a" {
  dev_mode = true
  path     = "bin/dir"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = ""
  dev_mode = true
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "memory" {}

profile "p" {
  validators = []
  authentication {
    anonymous = true
  }
}

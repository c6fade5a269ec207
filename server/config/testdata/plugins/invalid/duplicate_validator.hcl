plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "memory" {}

profile "p" {
  validators = ["a", "rfc", "a"]
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

store "memory" {}

profile "p" {
  validators = ["rfc", "a", "company-policy"]
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  env      = ["REGION=eu"]
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

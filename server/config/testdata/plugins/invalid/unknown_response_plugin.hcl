plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

response {
  plugin = "extra-field"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

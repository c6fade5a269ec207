plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

response {
  plugin = "a"
}

response {
  plugin = "a"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

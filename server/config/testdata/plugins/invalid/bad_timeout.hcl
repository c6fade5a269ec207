plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  timeout  = "2 seconds"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

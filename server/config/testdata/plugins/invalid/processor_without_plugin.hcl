plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

processor {
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

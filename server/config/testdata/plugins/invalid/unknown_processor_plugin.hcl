plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

processor {
  plugin = "tenant-prefix"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  tls      = "mutual"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

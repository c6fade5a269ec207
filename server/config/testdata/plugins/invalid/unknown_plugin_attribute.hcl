plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  checksum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

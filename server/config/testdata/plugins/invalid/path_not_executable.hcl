plugin "a" {
  dev_mode = true
  path     = "bin/not-exec"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

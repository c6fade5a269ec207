plugin "a" {
  dev_mode = true
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

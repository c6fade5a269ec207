plugin "a" {
  path = "bin/ok"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

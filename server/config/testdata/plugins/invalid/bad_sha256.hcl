plugin "a" {
  path   = "bin/ok"
  sha256 = "4f2a"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path   = "bin/ok"
  sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

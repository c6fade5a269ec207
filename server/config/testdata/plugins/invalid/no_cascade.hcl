plugin "a" {
  path   = "bin/ok"
  sha256 = "abc"
}

store "plugin" {
  plugin = "a"
}

processor {
  plugin = "a"
}

profile "p" {
  validators = ["a"]
  authentication {
    anonymous = true
  }
}

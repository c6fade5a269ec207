plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  config {
    max_lifetime = 3600
  }
  config {
    max_lifetime = 60
  }
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

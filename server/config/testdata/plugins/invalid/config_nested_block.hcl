plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  config {
    max_lifetime = 3600
    limits {
      burst = 10
    }
  }
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

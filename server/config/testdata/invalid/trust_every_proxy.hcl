server {
  trusted_proxies = ["0.0.0.0/0"]
}

store "memory" {}

profile "open" {
  authentication {
    anonymous = true
  }
}

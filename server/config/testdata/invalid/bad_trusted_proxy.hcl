server {
  trusted_proxies = ["10.0.0.0/33"]
}

store "memory" {}

profile "open" {
  authentication {
    anonymous = true
  }
}

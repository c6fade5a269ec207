store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

metrics {
  listen = ":9090"
}

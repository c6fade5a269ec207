store "memory" {}

rate_limit {
  rate = 0
}

profile "open" {
  authentication {
    anonymous = true
  }
}

log {
  level = "verbose"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

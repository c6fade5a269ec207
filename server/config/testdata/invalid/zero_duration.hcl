server {
  shutdown_timeout = "0s"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

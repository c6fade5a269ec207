server {
  idle_timeout = "-1m"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

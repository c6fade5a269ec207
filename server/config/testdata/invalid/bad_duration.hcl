server {
  read_timeout = "10 seconds"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

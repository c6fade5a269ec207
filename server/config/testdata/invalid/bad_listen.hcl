server {
  listen = "localhost"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

server {
  listen = "127.0.0.1:8080"
  port   = 8080
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

server {
  max_body_bytes = 100
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

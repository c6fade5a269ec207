server {
  max_body_bytes = "lots"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

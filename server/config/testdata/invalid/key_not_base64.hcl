store "memory" {}

secrets {
  encryption_key = "not base64 at all!"
}

profile "default" {
  authentication {
    anonymous = true
  }
}

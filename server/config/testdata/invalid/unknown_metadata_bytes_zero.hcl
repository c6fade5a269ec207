server {
  max_unknown_metadata_bytes = 0
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

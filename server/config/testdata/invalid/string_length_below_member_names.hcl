server {
  max_string_length = 32
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

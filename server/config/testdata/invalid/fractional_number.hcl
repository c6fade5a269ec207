server {
  max_array_length = 1.5
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

server {
  max_nesting_depth = 4
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

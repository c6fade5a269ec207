server {
  # More than sdk.MaxDepthLimit: a stored record could not be read back.
  max_nesting_depth = 1001
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

profile "other" {
  authentication {
    anonymous = true
  }
}

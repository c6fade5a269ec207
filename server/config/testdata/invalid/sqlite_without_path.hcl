store "sqlite" {
}

profile "default" {
  authentication {
    anonymous = true
  }
}

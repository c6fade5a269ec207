profile "default" {
  authentication {
    anonymous = true
  }
}

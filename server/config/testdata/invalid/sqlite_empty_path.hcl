store "sqlite" {
  path = ""
}

profile "default" {
  authentication {
    anonymous = true
  }
}

store "memory" {}

profile "Default Profile" {
  authentication {
    anonymous = true
  }
}

store "memory" {}

profile "closed" {
  authentication {
    anonymous = false
  }
}

store "memory" {}

profile "open" {
  max_clients = 0
  authentication {
    anonymous = true
  }
}

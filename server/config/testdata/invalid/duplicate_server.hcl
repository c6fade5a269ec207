server {}
server {}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

store "memory" {}

profile "ci" {
  authentication {
    initial_access_token "ci" {
      token = "0123456789 abcdefghijklmnopqrstuvwxyz"
    }
  }
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

profile "default" {
  authentication {
    initial_access_token "ci" {
      token = "0123456789abcdefghijklmnopqrstuvwxyz"
    }
  }
}

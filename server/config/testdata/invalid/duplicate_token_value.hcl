store "memory" {}

profile "a" {
  authentication {
    initial_access_token "one" {
      token = "0123456789abcdefghijklmnopqrstuvwxyz"
    }
    initial_access_token "two" {
      token = "0123456789abcdefghijklmnopqrstuvwxyz"
    }
  }
}

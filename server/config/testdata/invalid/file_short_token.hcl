store "memory" {}

profile "ci" {
  authentication {
    initial_access_token "ci" {
      token = file("../tokens/short.token")
    }
  }
}

store "memory" {}

profile "ci" {
  authentication {
    initial_access_token "ci" {
      token = env("REGISTRAR_TEST_UNSET")
    }
  }
}

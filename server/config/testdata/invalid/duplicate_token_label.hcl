store "memory" {}

profile "a" {
  authentication {
    initial_access_token "ci" {
      token = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    }
  }
}

profile "b" {
  authentication {
    initial_access_token "ci" {
      token = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    }
  }
}

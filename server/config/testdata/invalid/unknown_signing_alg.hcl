store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    signing_algs = ["RS256", "RS1"]
  }
}

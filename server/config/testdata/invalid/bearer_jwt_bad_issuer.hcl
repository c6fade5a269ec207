store "memory" {}

profile "ci" {
  authentication {
    bearer_jwt {
      issuer    = "auth.example.com"
      audiences = ["registrar"]
    }
  }
}

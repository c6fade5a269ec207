store "memory" {}

profile "ci" {
  authentication {
    bearer_jwt {
      issuer     = "https://auth.example.com"
      audiences  = ["registrar"]
      algorithms = ["ES256", "HS256"]
    }
  }
}

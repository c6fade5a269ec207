store "memory" {}

profile "open" {
  cors_origins = ["https://inspector.example.com/app"]
  authentication {
    anonymous = true
  }
}

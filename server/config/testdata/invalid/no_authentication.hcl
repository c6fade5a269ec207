store "memory" {}

profile "closed" {
  policy {
    grant_types = ["client_credentials"]
  }
}

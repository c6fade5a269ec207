store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    response_types = ["code", "code code"]
  }
}

store "memory" {}

profile "partners" {
  authentication {
    anonymous = true
  }
  software_statement {
    issuer "https://directory.example.com" {
      jwks = "{\"keys\": []}"
    }
  }
}

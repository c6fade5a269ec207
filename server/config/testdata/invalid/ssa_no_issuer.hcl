store "memory" {}

profile "partners" {
  authentication {
    anonymous = true
  }
  software_statement {
    required = true
  }
}


store "memory" {}

profile "p" {
  validators = ["rfc", "company-policy"]
  authentication {
    anonymous = true
  }
}

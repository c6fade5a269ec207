store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    infer_native_application_type = "cursor"
  }
}

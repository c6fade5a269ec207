store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    redirect_uri_mode = "lenient"
  }
}

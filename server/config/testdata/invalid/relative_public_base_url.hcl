server {
  public_base_url = "dcr.example.com"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

server {
  public_base_url = "https://dcr.example.com/?tenant=a"
}

store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path     = "bin/ok"
  dev_mode = true
}

processor {
  plugin = "a"
}

secrets {
  encryption_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
  policy {
    token_endpoint_auth_methods = ["private_key_jwt", "client_secret_jwt"]
  }
}

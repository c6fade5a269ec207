store "postgres" {
  dsn = "postgres://localhost/registrar"
}

profile "default" {
  authentication {
    anonymous = true
  }
}

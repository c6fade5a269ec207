plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  config {
    database = "registrar"
    password = env("REGISTRAR_TEST_UNSET")
  }
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

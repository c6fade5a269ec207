plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  env = {
    DB_URL = env("REGISTRAR_TEST_UNSET")
  }
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

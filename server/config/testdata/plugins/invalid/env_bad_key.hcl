plugin "a" {
  path     = "bin/ok"
  dev_mode = true
  env = {
    REGION  = "eu"
    "A=B"   = "x"
  }
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

plugin "a" {
  path          = "bin/ok"
  dev_mode      = true
  start_timeout = "0s"
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

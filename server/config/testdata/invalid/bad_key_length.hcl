store "memory" {}

secrets {
  encryption_key = "c2hvcnQta2V5"
}

profile "default" {
  authentication {
    anonymous = true
  }
}

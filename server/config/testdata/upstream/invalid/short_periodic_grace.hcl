plugin "hydra" {
  path     = "bin/ok"
  dev_mode = true
}

store "memory" {}

profile "p" {
  authentication {
    anonymous = true
  }
}

upstream "plugin" {
  plugin             = "hydra"
  reconcile_grace    = "10s"
  reconcile_interval = "10m"
}

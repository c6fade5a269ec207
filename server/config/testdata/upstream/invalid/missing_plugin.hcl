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
  reconcile_grace = "5m"
}

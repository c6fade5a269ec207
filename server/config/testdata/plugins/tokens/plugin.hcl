plugin "admin-api" {
  path     = "bin/ok"
  dev_mode = true
}

plugin "mongodb" {
  path     = "bin/mongodb"
  dev_mode = true
}

store "plugin" {
  plugin = "admin-api"
  tokens "plugin" {
    plugin = "mongodb"
  }
}

profile "p" {
  authentication {
    anonymous = true
  }
}

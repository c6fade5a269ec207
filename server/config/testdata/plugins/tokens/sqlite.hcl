plugin "admin-api" {
  path     = "bin/ok"
  dev_mode = true
}

# Clients in the plugin; initial access tokens and jtis in SQLite.
store "plugin" {
  plugin = "admin-api"
  tokens "sqlite" {
    path = "data/registrar.db"
  }
}

profile "p" {
  authentication {
    anonymous = true
  }
}

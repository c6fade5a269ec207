store "memory" {}

profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    client_secret_lifetime = "-24h"
  }
}

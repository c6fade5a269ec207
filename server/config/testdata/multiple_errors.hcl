server {
  listen       = "nowhere"
  read_timeout = "soon"
  colour       = "blue"
}

store "sqlite" {}

profile "a" {
  authentication {
    anonymous = "yes"
  }
  policy {
    grant_types  = ["authorization_code", "magic"]
    signing_algs = ["none"]
  }
}

profile "a" {
  authentication {
    anonymous = false
  }
}

# Copied into a temporary directory by plugin_test.go, next to bin/ with
# fake plugin executables.

plugin "company-policy" {
  path          = "bin/company-policy"
  sha256        = "4F2A0000000000000000000000000000000000000000000000000000000000AB"
  args          = ["-mode", "strict"]
  timeout       = "500ms"
  start_timeout = "30s"
  optional      = true
  tls           = false
  env = {
    ZONE   = "z1"
    REGION = "eu"
    SECRET = env("REGISTRAR_TEST_PLUGIN_SECRET")
  }
  config {
    allowed_domains = ["example.com", "example.org"]
    max_lifetime    = 3600
    strict          = true
    owner           = env("REGISTRAR_TEST_PLUGIN_OWNER")
    nested          = { a = 1, b = [true, null] }
    nothing         = null
  }
}

plugin "mongodb" {
  path     = "./bin/mongodb"
  dev_mode = true
}

plugin "unused" {
  path   = "bin/mongodb"
  sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  config {}
}

store "plugin" {
  plugin = "mongodb"
}

processor {
  plugin = "company-policy"
}

response {
  plugin = "mongodb"
}

profile "default" {
  validators = ["company-policy", "rfc"]
  authentication {
    anonymous = true
  }
}

profile "plugin-only" {
  validators = ["company-policy"]
  authentication {
    initial_access_token "ci" {
      token = "ci-token-0123456789abcdefghijklmnopqrstuvwxyz"
    }
  }
}

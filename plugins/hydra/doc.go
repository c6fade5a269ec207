// Command hydra is Registrar's Ory Hydra upstream plugin: it writes every
// registration into Hydra's admin API, so that the credentials of a 201
// obtain tokens at Hydra, and every RFC 7592 update and delete reaches it.
// See README.md for its configuration and the field mapping.
//
// Build it with
//
//	go build -o bin/plugins/hydra ./plugins/hydra
//
// and declare it in config.hcl:
//
//	plugin "hydra" {
//	  path    = "bin/plugins/hydra"
//	  sha256  = "..."  # sha256sum bin/plugins/hydra
//	  timeout = "12s"  # above the plugin's timeout (10s)
//	  config {
//	    admin_url   = "https://hydra-admin.internal:4445"
//	    admin_token = env("HYDRA_ADMIN_TOKEN")
//	  }
//	}
//	upstream "plugin" {
//	  plugin = "hydra"
//	}
package main

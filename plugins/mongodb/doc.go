// Command mongodb is Registrar's MongoDB store plugin: it keeps client
// records in a MongoDB collection, for deployments that run several
// Registrar replicas on one store. See README.md for its configuration.
//
// Build it with
//
//	go build -o bin/plugins/mongodb ./plugins/mongodb
//
// and declare it in config.hcl:
//
//	plugin "mongodb" {
//	  path    = "bin/plugins/mongodb"
//	  sha256  = "..."  # sha256sum bin/plugins/mongodb
//	  timeout = "6s"   # above the operation_timeout (5s)
//	  config {
//	    uri = env("MONGODB_URI")
//	  }
//	}
//	store "plugin" {
//	  plugin = "mongodb"
//	}
package main

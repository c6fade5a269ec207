// Command registrar is the Registrar Dynamic Client Registration server.
// See package cli for the commands.
package main

import (
	"os"

	"github.com/registrar-dcr/registrar/server/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Command buildhydra builds the Ory Hydra the tests run, or finds it in its
// cache (hydratest.Binary), and prints its path: `make hydra` runs it, so
// that the make target and the tests share one binary.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/registrar-dcr/registrar/internal/hydratest"
)

func main() {
	start := time.Now()
	bin, err := hydratest.Binary()
	if err != nil {
		fmt.Fprintln(os.Stderr, "buildhydra:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "Ory Hydra %s ready in %s\n", hydratest.Version, time.Since(start).Round(100*time.Millisecond))
	fmt.Println(bin)
}

// Package plugins_test keeps the example plugins honest: they are written
// as a third party would write them, so they (and their tests) import only
// the public SDK, the standard library and the JWT/JWK libraries.
package plugins_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/registrar-dcr/registrar"

// allowed are the non-standard imports an example may use.
var allowed = []string{
	module + "/sdk",
	module + "/sdk/plugin",
	module + "/sdk/plugintest",
	"github.com/golang-jwt/jwt/v5",
	"github.com/go-jose/go-jose/v4",
}

func TestImportsArePublic(t *testing.T) {
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`,
		"./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	examples := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		if pkg == module+"/examples/plugins" {
			continue // this test
		}
		examples++
		for _, imp := range fields[1:] {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			if !std && !slices.Contains(allowed, imp) {
				t.Errorf("%s imports %s; an example may import only the standard library and %v", pkg, imp, allowed)
			}
		}
	}
	if examples < 5 {
		t.Errorf("found %d example packages, want at least 5:\n%s", examples, out)
	}
}

package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyOwners keeps one owner per dependency (STYLE.md): only the
// HTTP package imports gin; only sdk/plugin (and its internal test plugin)
// import go-plugin; only the generated protocol, its converters and
// sdk/plugin import gRPC or protobuf; only the converters and sdk/plugin
// import the generated protocol (sdk/internal/pluginv1). The pattern covers
// every module of the go.work (the server, sdk, the shared test helpers of
// internal, plugins/mongodb and its test server, plugins/hydra).
func TestDependencyOwners(t *testing.T) {
	const mod = "github.com/registrar-dcr/registrar/"
	owners := map[string][]string{
		"github.com/gin-gonic/gin":       {"server/httpapi"},
		"github.com/hashicorp/go-plugin": {"sdk/plugin", "sdk/plugin/internal/futureplugin"},
		"google.golang.org/grpc":         {"sdk/plugin", "sdk/internal/convert", "sdk/internal/pluginv1", "sdk/plugin/internal/futureplugin"},
		"google.golang.org/protobuf":     {"sdk/plugin", "sdk/internal/convert", "sdk/internal/pluginv1", "sdk/plugin/internal/futureplugin"},
		mod + "sdk/internal/pluginv1":    {"sdk/plugin", "sdk/internal/convert"},
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		pkg = strings.TrimPrefix(pkg, mod)
		checked++
		seen[pkg] = true
		for _, imp := range strings.Fields(imports) {
			for dep, allowed := range owners {
				if imp != dep && !strings.HasPrefix(imp, dep+"/") {
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || a == pkg
				}
				if !ok {
					t.Errorf("%s imports %s; only %v may", pkg, imp, allowed)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("go list returned %d packages; the check would prove nothing", checked)
	}
	// One package of each module: without the go.work the pattern would
	// cover the server module alone.
	for _, pkg := range []string{"server/httpapi", "sdk/plugin", "internal/roundtrip", "plugins/mongodb/store", "plugins/mongodb/internal/ferrettest", "internal/hydratest"} {
		if !seen[pkg] {
			t.Errorf("go list did not return %s: is the go.work missing a module?", pkg)
		}
	}
}

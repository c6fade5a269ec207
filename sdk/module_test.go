package sdk_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// What the SDK module may require: what a plugin needs to speak the
// protocol (go-plugin, gRPC, protobuf, hclog and what they import) and the
// JOSE library of the jwks checks. Adding a module here is a decision about
// every plugin author's build; the issue that created the sdk module
// (issue 10) removed 99 requires from their go.mod.
var sdkModules = []string{
	"github.com/fatih/color",                    // go-hclog
	"github.com/go-jose/go-jose/v4",             // jwks / jwks_uri checks (steps_keys.go)
	"github.com/golang/protobuf",                // go-plugin
	"github.com/hashicorp/go-hclog",             // plugin logging
	"github.com/hashicorp/go-plugin",            // the plugin handshake and transport
	"github.com/hashicorp/yamux",                // go-plugin
	"github.com/mattn/go-colorable",             // go-hclog
	"github.com/mattn/go-isatty",                // go-hclog
	"github.com/oklog/run",                      // go-plugin
	"golang.org/x/net",                          // gRPC
	"golang.org/x/sys",                          // gRPC, go-hclog
	"golang.org/x/text",                         // gRPC
	"google.golang.org/genproto/googleapis/rpc", // gRPC status details
	"google.golang.org/grpc",                    // the protocol's transport
	"google.golang.org/protobuf",                // the protocol's messages
}

// heavyModules must never enter the SDK module's graph: the server's and
// the FerretDB test server's dependencies.
var heavyModules = []string{
	"github.com/FerretDB",
	"github.com/SAP/go-hdb",
	"github.com/bytedance/sonic",
	"github.com/gin-gonic",
	"github.com/go-sql-driver/mysql",
	"github.com/golang-jwt/jwt",
	"github.com/hashicorp/hcl",
	"github.com/jackc/pgx",
	"github.com/prometheus",
	"github.com/quic-go",
	"github.com/zclconf/go-cty",
	"go.mongodb.org",
	"go.opentelemetry.io",
	"modernc.org",
}

// goInSDK runs the go command in this module alone, as a plugin author's
// build sees it: without the repository's go.work.
func goInSDK(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// heavy reports whether mod is one of heavyModules, or the server module
// (github.com/registrar-dcr/registrar, which requires them all).
func heavy(mod string) bool {
	if mod == "github.com/registrar-dcr/registrar" {
		return true
	}
	for _, h := range heavyModules {
		if mod == h || strings.HasPrefix(mod, h+"/") {
			return true
		}
	}
	return false
}

// TestModuleStaysSmall keeps the SDK module (sdk/go.mod) down to what a
// plugin needs, so a plugin author's go.mod does not inherit the server's
// or the FerretDB test server's dependency tree. It checks three views:
//
//   - the require list of sdk/go.mod (which, since Go 1.17, names every
//     module that provides a package to the SDK's packages and tests):
//     only sdkModules, and no replace directive (a replace does not apply to
//     a module that requires the SDK, so it would hide a broken build);
//   - the modules whose packages the SDK's packages and tests compile
//     (go list -deps -test): only sdkModules and the SDK itself;
//   - the module graph (go mod graph): no heavy module. The one exception is
//     gRPC's own go.mod, which requires OpenTelemetry for its optional
//     stats/opentelemetry package; graph pruning keeps those go.mod-only
//     entries (never downloaded as source, never compiled, as the second
//     view proves), and no other path may lead to a heavy module.
func TestModuleStaysSmall(t *testing.T) {
	var mod struct {
		Module  struct{ Path string }
		Require []struct {
			Path     string
			Indirect bool
		}
		Replace []struct{ Old struct{ Path string } }
	}
	if err := json.Unmarshal([]byte(goInSDK(t, "mod", "edit", "-json")), &mod); err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	if mod.Module.Path != "github.com/registrar-dcr/registrar/sdk" {
		t.Fatalf("module %q: the test must run in the sdk module", mod.Module.Path)
	}
	for _, r := range mod.Require {
		if !slices.Contains(sdkModules, r.Path) {
			t.Errorf("sdk/go.mod requires %s: a plugin author's build would depend on it; keep it out or add it to sdkModules with the reason", r.Path)
		}
	}
	for _, r := range mod.Replace {
		t.Errorf("sdk/go.mod replaces %s: a replace does not apply to the modules that require the SDK", r.Old.Path)
	}
	if len(mod.Require) < 3 {
		t.Fatalf("sdk/go.mod lists %d requires; the check would prove nothing", len(mod.Require))
	}

	compiled := map[string]bool{}
	for _, m := range strings.Fields(goInSDK(t, "list", "-deps", "-test", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...")) {
		compiled[m] = true
	}
	if !compiled["google.golang.org/grpc"] {
		t.Fatalf("go list -deps -test found no gRPC package; the check would prove nothing: %v", compiled)
	}
	for m := range compiled {
		if m != mod.Module.Path && !slices.Contains(sdkModules, m) {
			t.Errorf("the SDK's packages or tests compile a package of %s", m)
		}
	}

	edges := 0
	for _, line := range strings.Split(strings.TrimSpace(goInSDK(t, "mod", "graph")), "\n") {
		from, to, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		edges++
		toPath, _, _ := strings.Cut(to, "@")
		fromPath, _, _ := strings.Cut(from, "@")
		if !heavy(toPath) {
			continue
		}
		if fromPath == "google.golang.org/grpc" && strings.HasPrefix(toPath, "go.opentelemetry.io/") {
			continue // gRPC's optional stats/opentelemetry; see the doc comment
		}
		t.Errorf("go mod graph: %s requires %s, a heavy module", from, to)
	}
	if edges < 10 {
		t.Fatalf("go mod graph printed %d edges; the check would prove nothing", edges)
	}
}

package plugin_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/registrar-dcr/registrar"

func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func within(dep, prefix string) bool { return dep == prefix || strings.HasPrefix(dep, prefix+"/") }

// TestDependencyBoundary keeps go-plugin, gRPC, protobuf and the generated
// protocol code (sdk/internal/pluginv1) out of the sdk packages a plugin
// author imports besides sdk/plugin, and the server out of the whole SDK.
func TestDependencyBoundary(t *testing.T) {
	for _, dep := range deps(t, module+"/sdk", module+"/sdk/storetest") {
		for _, banned := range []string{"github.com/hashicorp/go-plugin", "google.golang.org/grpc", "google.golang.org/protobuf", module + "/sdk/internal/pluginv1"} {
			if within(dep, banned) {
				t.Errorf("sdk or sdk/storetest depends on %s", dep)
			}
		}
	}
	for _, dep := range deps(t, module+"/sdk/...") {
		if within(dep, module+"/server") {
			t.Errorf("the SDK depends on %s", dep)
		}
	}
}

package plugins_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugintest"
)

// readmeBlock returns the body of the first fenced block of README.md whose
// info string is info and that comes after the first block opened with
// after ("" for the start of the file).
func readmeBlock(t *testing.T, readme []byte, info, after string) string {
	t.Helper()
	text := string(readme)
	if after != "" {
		i := strings.Index(text, "\n```"+after+"\n")
		if i < 0 {
			t.Fatalf("README.md has no ```%s block", after)
		}
		text = text[i+1:]
		text = text[strings.Index(text, "\n")+1:] // past the opening fence
		j := strings.Index(text, "\n```\n")
		if j < 0 {
			t.Fatalf("README.md: the ```%s block is not closed", after)
		}
		text = text[j+len("\n```\n"):]
	}
	i := strings.Index(text, "\n```"+info+"\n")
	if i < 0 {
		t.Fatalf("README.md has no ```%s block (after ```%s)", info, after)
	}
	body := text[i+len("\n```"+info+"\n"):]
	j := strings.Index(body, "```")
	if j < 0 {
		t.Fatalf("README.md: the ```%s block is not closed", info)
	}
	return body[:j]
}

// TestOutOfTreePlugin follows README.md's "A plugin outside this
// repository" to the letter, so that the section cannot drift: it copies
// examples/plugins/extra-field into a temporary directory outside the tree
// next to a link named registrar to this checkout, writes the README's
// go.mod block as it stands, runs the commands of the README's shell block
// that follows it (go mod tidy, go build) without the repository's go.work
// and with -mod=mod (the module proxy of the environment supplies the
// SDK's dependencies; the build cache keeps it quick), checks that the
// plugin's build list holds none of the server's dependencies, and serves
// the binary through the real go-plugin path (checksum pinned, AutoMTLS,
// clean environment) with sdk/plugintest.
func TestOutOfTreePlugin(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := readmeBlock(t, readme, "go.mod", "")
	script := readmeBlock(t, readme, "sh", "go.mod")

	work := t.TempDir()
	if rel, err := filepath.Rel(repo, work); err != nil || !strings.HasPrefix(rel, "..") {
		t.Fatalf("temporary directory %s is inside the repository %s; the test would prove nothing", work, repo)
	}
	if err := os.Symlink(repo, filepath.Join(work, "registrar")); err != nil {
		t.Fatal(err)
	}

	// The module directory is the one the README's script changes into.
	var name string
	var commands [][]string
	for _, line := range strings.Split(script, "\n") {
		line, _, _ = strings.Cut(line, "#")
		args := strings.Fields(line)
		switch {
		case len(args) == 0:
		case args[0] == "cd" && len(args) == 2 && name == "":
			name = args[1]
		case args[0] == "go":
			commands = append(commands, args)
		case args[0] == "sha256sum":
			// plugintest pins the checksum itself.
		default:
			t.Fatalf("README.md's script runs %q, which this test does not know how to run; teach it", line)
		}
	}
	if name == "" || len(commands) < 2 {
		t.Fatalf("README.md's script names no directory or fewer than two go commands:\n%s", script)
	}
	dir := filepath.Join(work, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	example := "extra-field"
	entries, err := os.ReadDir(example)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(example, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}

	env := append(os.Environ(), "GOWORK=off", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	for _, args := range commands {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s (in %s): %v\n%s", strings.Join(args, " "), dir, err, out)
		}
		t.Logf("%s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	}

	// The author's build list: the SDK and what it needs, never the server.
	list := exec.Command("go", "list", "-m", "all")
	list.Dir = dir
	list.Env = env
	mods, err := list.Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	for _, m := range strings.Split(strings.TrimSpace(string(mods)), "\n") {
		path, _, _ := strings.Cut(m, " ")
		if path == module { // the server module (its sdk is fine)
			t.Errorf("the out-of-tree plugin's build list holds the server module: %s", m)
		}
		for _, banned := range []string{"github.com/FerretDB", "github.com/gin-gonic", "github.com/hashicorp/hcl", "modernc.org", "go.mongodb.org"} {
			if path == banned || strings.HasPrefix(path, banned+"/") {
				t.Errorf("the out-of-tree plugin's build list holds %s", m)
			}
		}
	}

	bin := filepath.Join(dir, name)
	inst := plugintest.Start(t, bin, plugintest.WithConfig([]byte(`{"docs_url": "https://docs.example.com/dcr"}`)))
	g, err := inst.Response()
	if err != nil {
		t.Fatal(err)
	}
	rc := sdk.RegistrationContext{
		Operation: sdk.OperationRead,
		Client: sdk.Client{
			ID:       "c-1",
			Metadata: sdk.Metadata{RedirectURIs: []string{"https://app.example.com/cb"}},
			IssuedAt: 1_700_000_000,
			Profile:  "partners",
		},
		Now: time.Unix(1_700_000_000, 0),
	}
	resp, err := g.Generate(t.Context(), rc, "https://registrar.example/connect/dcr/c-1")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	want := []byte(`{"profile":"partners","docs":"https://docs.example.com/dcr"}`)
	if resp.Status != 200 || !bytes.Equal(body["registrar_example"], want) || string(body["client_id"]) != `"c-1"` {
		t.Fatalf("answer %d %s, want 200 with client_id c-1 and registrar_example %s", resp.Status, resp.Body, want)
	}
}

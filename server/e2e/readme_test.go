package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/internal/hydratest"
)

// block is a fenced block of README.md.
type block struct {
	lang, src string
}

// walkthroughBlocks returns the fenced blocks of the README's "###
// Walkthrough with Ory Hydra".
func walkthroughBlocks(t *testing.T) []block {
	t.Helper()
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	var cur *block
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "#"):
			in = line == "### Walkthrough with Ory Hydra"
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```")}
		case cur != nil && line == "```":
			if in {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			cur.src += line + "\n"
		}
	}
	return blocks
}

// TestReadmeHydraWalkthrough runs the README's Hydra walkthrough as
// printed: what `make run-hydra` starts (Hydra in memory; Registrar on
// examples/config/hydra.hcl with the plugin's checksum and the initial
// access token in data/), then the sh blocks with bash, comparing each
// output with the block the README shows after it. Only the addresses
// change: free loopback ports instead of 4444, 4445 and 8080.
func TestReadmeHydraWalkthrough(t *testing.T) {
	blocks := walkthroughBlocks(t)
	var sh []string
	var outputs []string
	for _, b := range blocks {
		switch b.lang {
		case "sh":
			sh = append(sh, b.src)
		case "json", "":
			outputs = append(outputs, b.src)
		}
	}
	if len(sh) != 4 || len(outputs) != 3 || strings.TrimSpace(sh[0]) != "make run-hydra" {
		t.Fatalf("the walkthrough has %d sh blocks (first %q) and %d outputs; this test follows make run-hydra, 3 more sh blocks and 3 outputs: update it with the README", len(sh), sh[0], len(outputs))
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HYDRA_PUBLIC := 127.0.0.1:4444", "HYDRA_ADMIN  := 127.0.0.1:4445",
		"CLIENT_REGISTRATION_URL=http://127.0.0.1:8080/connect/dcr", "serve -config examples/config/hydra.hcl"} {
		if !strings.Contains(string(makefile), want) {
			t.Fatalf("make run-hydra no longer has %q: update this test with it", want)
		}
	}

	var at registrarAddr
	at.pick(t)
	h := hydratest.Start(t, hydratest.WithSetting("webfinger.oidc_discovery.client_registration_url", at.url+"/connect/dcr"))

	// The repository's layout, as make run-hydra leaves it.
	root := t.TempDir()
	for _, d := range []string{"examples/config", "bin/plugins", "data"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := os.ReadFile("../../examples/config/hydra.hcl")
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimPrefix(h.AdminURL, "http://")
	public := strings.TrimPrefix(h.PublicURL, "http://")
	text := strings.NewReplacer("127.0.0.1:4445", admin, "127.0.0.1:8080", at.addr).Replace(string(cfg))
	write := func(rel, content string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, rel), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("examples/config/hydra.hcl", text, 0o600)
	plug, err := os.ReadFile(binaries.hydraPlugin)
	if err != nil {
		t.Fatal(err)
	}
	write("bin/plugins/hydra", string(plug), 0o700)
	write("data/hydra-plugin.sha256", sum(t, binaries.hydraPlugin)+"\n", 0o600)
	write("data/initial_access_token", strings.Repeat("w", 43)+"\n", 0o600)

	config := filepath.Join(root, "examples", "config", "hydra.hcl")
	r := &registrar{t: t, URL: at.url, config: config}
	if out, code := r.cli("check", "-config", config); code != 0 {
		t.Fatalf("registrar check of examples/config/hydra.hcl (exit %d):\n%s", code, out)
	}
	t.Cleanup(r.stop)
	r.start()

	tmp := t.TempDir()
	var script strings.Builder
	script.WriteString("set -euo pipefail\nexport TMPDIR=" + tmp + "\n")
	for _, src := range sh[1:] {
		script.WriteString("echo '@@block'\n")
		script.WriteString(strings.NewReplacer("127.0.0.1:4444", public, "127.0.0.1:8080", at.addr).Replace(src))
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s\n%s\nRegistrar's log:\n%s", err, out, stderr.String(), r.logs.String())
	}
	got := regexp.MustCompile(`(?m)^@@block\n`).Split(string(out), -1)[1:]
	if len(got) != len(outputs) {
		t.Fatalf("got %d outputs, want %d:\n%s", len(got), len(outputs), out)
	}
	for i := range got {
		var gotJSON, wantJSON any
		if json.Unmarshal([]byte(outputs[i]), &wantJSON) == nil {
			if err := json.Unmarshal([]byte(got[i]), &gotJSON); err != nil || !reflect.DeepEqual(gotJSON, wantJSON) {
				t.Errorf("block %d printed\n%s\nthe README shows\n%s", i+2, got[i], outputs[i])
			}
			continue
		}
		if strings.TrimSpace(got[i]) != strings.TrimSpace(outputs[i]) {
			t.Errorf("block %d printed\n%s\nthe README shows\n%s", i+2, got[i], outputs[i])
		}
	}
	if ids := hydraClients(t, h); len(ids) != 0 {
		t.Errorf("Hydra holds %v after the walkthrough's delete", ids)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the walkthrough left %d temporary files", len(entries))
	}
}

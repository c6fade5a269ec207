package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	lang string // after the opening fence: "hcl", "sh", "" ...
	line int    // README line of the block's first line (after the fence)
	src  string
}

// readmeBlocks returns the README's fenced code blocks of language lang
// that start after the line heading and before the next "## " heading
// ("" for the whole file).
func readmeBlocks(t *testing.T, lang, heading string) []readmeBlock {
	t.Helper()
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	var cur *readmeBlock
	in := heading == ""
	for i, line := range strings.Split(string(src), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "## "):
			in = heading == "" || line == heading
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: i + 2}
		case cur != nil && line == "```":
			if in && cur.lang == lang {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			cur.src += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("README.md: the block at line %d is not closed", cur.line)
	}
	return blocks
}

// profileLevel are the blocks that belong inside a profile block.
var profileLevel = []string{"authentication", "policy", "software_statement"}

// readmeEnv is the value of each env("NAME") a README block may call.
// A block calling another variable fails: add it here.
var readmeEnv = map[string]string{
	"MONGODB_URI":                    "mongodb://db1,db2,db3/?replicaSet=rs0",
	"REGISTRAR_SECRET_KEY":           "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"REGISTRAR_INITIAL_ACCESS_TOKEN": "readme-initial-access-token-0123456789abcdef",
}

// readmeFileContent is what a file("path") of a README block reads: an
// initial access token, the only use of file() in the README.
const readmeFileContent = "readme-file-token-0123456789abcdefghijklmnop\n"

// codeComment matches the text of a whole-line comment that is
// commented-out configuration rather than prose: an attribute, a block
// header or a closing brace.
var codeComment = regexp.MustCompile(`^(\}|[a-z_][a-z0-9_]*\s*=|[a-z_][a-z0-9_]*(\s+"[^"]*")*\s*\{)`)

// TestReadmeHCL runs "registrar check" on every ```hcl block of
// README.md, so that each one works as pasted. A block is completed, in
// this order, into a file check accepts:
//
//   - a fragment of a profile (only authentication, policy or
//     software_statement blocks) is wrapped in profile "readme" { },
//     with authentication { anonymous = true } when it has none;
//   - store "memory" {} is added when there is no store block, and
//     profile "readme" (anonymous) when there is no profile;
//   - each plugin block's path gets a stub executable, and its sha256,
//     which the README can only show as an example (64 hex digits; any
//     other value is left for check to refuse), is replaced with the
//     stub's checksum, so check's comparison runs and passes;
//   - each file("path") reads readmeFileContent, and each env("NAME") the
//     value in readmeEnv.
//
// Commented-out configuration (whole-line comments that read as an
// attribute, a block header or "}", consecutive ones taken together) must
// be valid HCL once uncommented, so that uncommenting it works too; that
// is checked for syntax only, since such lines show alternatives.
func TestReadmeHCL(t *testing.T) {
	blocks := readmeBlocks(t, "hcl", "")
	if len(blocks) < 4 {
		t.Fatalf("found %d hcl blocks in README.md; the extraction is broken", len(blocks))
	}
	for _, b := range blocks {
		t.Run(fmt.Sprintf("line_%d", b.line), func(t *testing.T) {
			checkCommentedCode(t, b)
			dir := t.TempDir()
			src, env := completeReadmeBlock(t, b, dir)
			path := filepath.Join(dir, "config.hcl")
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := run(t, env, "check", "-config", path)
			if code != 0 || errOut != "" {
				t.Errorf("README.md:%d: check: exit %d\n%s%s\nThe file checked:\n%s", b.line, code, out, errOut, numbered(src))
			}
		})
	}
}

// checkCommentedCode parses each group of commented-out configuration
// lines of b, uncommented.
func checkCommentedCode(t *testing.T, b readmeBlock) {
	t.Helper()
	lines := strings.Split(b.src, "\n")
	for i := 0; i < len(lines); {
		if !isCodeComment(lines[i]) {
			i++
			continue
		}
		start := i
		var group strings.Builder
		for ; i < len(lines) && isCodeComment(lines[i]); i++ {
			text := strings.TrimPrefix(strings.TrimSpace(lines[i]), "#")
			group.WriteString(text + "\n")
		}
		if _, diags := hclsyntax.ParseConfig([]byte(group.String()), "comment", hcl.InitialPos); diags.HasErrors() {
			t.Errorf("README.md:%d: commented-out configuration is not valid HCL once uncommented: %s\n%s",
				b.line+start, diags.Error(), group.String())
		}
	}
}

func isCodeComment(line string) bool {
	text, ok := strings.CutPrefix(strings.TrimSpace(line), "#")
	return ok && codeComment.MatchString(strings.TrimSpace(text))
}

// completeReadmeBlock returns b completed as TestReadmeHCL describes, with
// its stubs and files laid out in dir, and the environment check needs.
func completeReadmeBlock(t *testing.T, b readmeBlock, dir string) (string, []string) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(b.src), "README.md", hcl.Pos{Line: b.line, Column: 1})
	if diags.HasErrors() {
		t.Fatalf("README.md:%d: not valid HCL: %s", b.line, diags.Error())
	}
	types := map[string]bool{}
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		types[blk.Type] = true
	}
	src := b.src
	fragment := len(types) > 0
	for typ := range types {
		fragment = fragment && slices.Contains(profileLevel, typ)
	}
	if fragment {
		auth := ""
		if !types["authentication"] {
			auth = "  authentication {\n    anonymous = true\n  }\n"
		}
		src = "profile \"readme\" {\n" + auth + src + "}\n"
		types["profile"] = true
	}
	if !types["store"] {
		src += "\nstore \"memory\" {}\n"
	}
	if !types["profile"] {
		src += "\nprofile \"readme\" {\n  authentication {\n    anonymous = true\n  }\n}\n"
	}

	// Walk the completed file for plugin blocks, file() and env().
	f, diags = hclsyntax.ParseConfig([]byte(src), "config.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("README.md:%d: completed block is not valid HCL: %s", b.line, diags.Error())
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	var env []string
	hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		switch n := n.(type) {
		case *hclsyntax.Block:
			if n.Type != "plugin" {
				break
			}
			p, ok := n.Body.Attributes["path"]
			if !ok {
				break
			}
			v, diags := p.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("README.md:%d: plugin %q: path is not a literal string", b.line, n.Labels[0])
			}
			stub := []byte("#!/bin/sh\n# plugin " + n.Labels[0] + "\nexit 1\n")
			exe := filepath.Join(dir, v.AsString())
			if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(exe, stub, 0o700); err != nil {
				t.Fatal(err)
			}
			// Only an example checksum (64 hex digits) is replaced:
			// anything else is what check must refuse.
			if a, ok := n.Body.Attributes["sha256"]; ok && sha256Example.MatchString(literal(a.Expr)) {
				sum := sha256.Sum256(stub)
				rng := a.Expr.Range()
				edits = append(edits, edit{rng.Start.Byte, rng.End.Byte, fmt.Sprintf("%q", hex.EncodeToString(sum[:]))})
			}
		case *hclsyntax.FunctionCallExpr:
			if len(n.Args) != 1 {
				break
			}
			arg, diags := n.Args[0].Value(nil)
			if diags.HasErrors() {
				t.Fatalf("README.md:%d: %s() of something other than a literal string", b.line, n.Name)
			}
			switch n.Name {
			case "env":
				v, ok := readmeEnv[arg.AsString()]
				if !ok {
					t.Fatalf("README.md:%d: env(%q): add a value to readmeEnv", b.line, arg.AsString())
				}
				env = append(env, arg.AsString()+"="+v)
			case "file":
				p := filepath.Join(dir, arg.AsString())
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(readmeFileContent), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		return nil
	})
	slices.SortFunc(edits, func(a, b edit) int { return b.start - a.start }) // last first
	for _, e := range edits {
		src = src[:e.start] + e.text + src[e.end:]
	}
	return src, env
}

// sha256Example is a checksum written in full.
var sha256Example = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// literal is the value of a literal string expression, or "".
func literal(expr hclsyntax.Expression) string {
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.Type().Equals(cty.String) || v.IsNull() {
		return ""
	}
	return v.AsString()
}

// numbered prefixes each line of src with its number.
func numbered(src string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}

// TestReadmeQuickStart runs the sh blocks of the README's quick start,
// after the first (make run, make test), with bash against the built
// binary serving a copy of the shipped config.hcl on a free port (the
// README's 127.0.0.1:8080 is replaced with it) from a directory laid out
// as make run leaves it. Each answer must have the shape the README
// shows: the same members with the same values, apart from the generated
// ones; the read is the registration without client_secret; the final
// 401 is the README's text, without Date and Content-Length. The
// temporary file of the answers is gone at the end, and nothing was
// written into the working directory.
func TestReadmeQuickStart(t *testing.T) {
	const heading = "## Quick start"
	sh := readmeBlocks(t, "sh", heading)
	js := readmeBlocks(t, "json", heading)
	text := readmeBlocks(t, "", heading)
	if len(sh) != 5 || len(js) != 2 || len(text) != 1 {
		t.Fatalf("the quick start has %d sh, %d json and %d plain blocks; this test follows 5, 2 and 1: update it with the README", len(sh), len(js), len(text))
	}

	cfg, err := os.ReadFile("../../config.hcl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("q", 43)
	if err := os.WriteFile(filepath.Join(dir, "data", "initial_access_token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serveBinaryArgs(t, "http://"+addr, nil, "serve", "-config", path, "-listen", addr)

	// One script, so that variables carry from block to block; a marker
	// line separates the output of each.
	tmp := t.TempDir()
	var script strings.Builder
	script.WriteString("set -euo pipefail\nexport TMPDIR=" + tmp + "\n")
	for i, b := range sh[1:] {
		fmt.Fprintf(&script, "echo '@@block %d'\n%s", i+1, strings.ReplaceAll(b.src, "127.0.0.1:8080", addr))
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the quick start failed: %v\n%s\n%s", err, out, stderr.String())
	}
	outs := regexp.MustCompile(`(?m)^@@block \d+\n`).Split(string(out), -1)[1:]
	if len(outs) != 4 {
		t.Fatalf("got %d outputs, want 4:\n%s", len(outs), out)
	}

	// The generated members differ from run to run.
	generated := []string{"client_id", "client_id_issued_at", "client_secret", "registration_access_token", "registration_client_uri"}
	decode := func(what, s string) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, s)
		}
		return m
	}
	shape := func(m map[string]any) map[string]any {
		c := maps.Clone(m)
		for _, k := range generated {
			if _, ok := c[k]; ok {
				c[k] = "generated"
			}
		}
		return c
	}
	created := decode("register", outs[0])
	if got, want := shape(created), shape(decode("README register answer", js[0].src)); !reflect.DeepEqual(got, want) {
		t.Errorf("register answer\n%v\ndiffers from README.md:%d\n%v", got, js[0].line, want)
	}
	if uri := created["registration_client_uri"]; uri != "http://"+addr+"/connect/dcr/"+created["client_id"].(string) {
		t.Errorf("registration_client_uri = %v", uri)
	}
	wantRead := maps.Clone(created)
	delete(wantRead, "client_secret")
	if got := decode("read", outs[1]); !reflect.DeepEqual(got, wantRead) {
		t.Errorf("read answer\n%v\nwant the registration without client_secret\n%v", got, wantRead)
	}
	updated := decode("update", outs[2])
	if got, want := shape(updated), shape(decode("README update answer", js[1].src)); !reflect.DeepEqual(got, want) {
		t.Errorf("update answer\n%v\ndiffers from README.md:%d\n%v", got, js[1].line, want)
	}
	if updated["registration_access_token"] == created["registration_access_token"] {
		t.Error("the update did not rotate the registration access token")
	}

	// The delete prints 204, then the read of the deleted client.
	status, rest, _ := strings.Cut(outs[3], "\n")
	if status != "204" {
		t.Errorf("delete printed %q, want 204", status)
	}
	var kept []string
	for _, line := range strings.Split(strings.ReplaceAll(rest, "\r\n", "\n"), "\n") {
		if !strings.HasPrefix(line, "Date: ") && !strings.HasPrefix(line, "Content-Length: ") {
			kept = append(kept, line)
		}
	}
	if got, want := strings.TrimSpace(strings.Join(kept, "\n")), strings.TrimSpace(text[0].src); got != want {
		t.Errorf("the read after delete printed\n%s\nwant (README.md:%d)\n%s", got, text[0].line, want)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("the quick start left %v behind", left)
	}
	// Nothing lands in the working tree (the answers hold a live token).
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "config.hcl" && e.Name() != "data" {
			t.Errorf("the quick start wrote %s into the working directory", e.Name())
		}
	}
}

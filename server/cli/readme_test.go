package cli_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
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
	"MONGODB_URI":                      "mongodb://db1,db2,db3/?replicaSet=rs0",
	"REGISTRAR_SECRET_KEY":             "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"REGISTRAR_INITIAL_ACCESS_TOKEN":   "readme-initial-access-token-0123456789abcdef",
	"REGISTRAR_TEST_README_UNUSED_ENV": "",
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

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/registrar-dcr/registrar/server/config"
)

// FuzzParse: config.Parse never panics, and every failure is an
// hcl.Diagnostics of at least one error, each with a Subject range in the
// parsed file (file:line,column, lines and columns from 1, within the
// source), as DESIGN.md §6 promises. Seeds: every .hcl file of the
// repository (the shipped config.hcl, the examples, the test fixtures).
func FuzzParse(f *testing.F) {
	root := filepath.Join("..", "..")
	var seeds []string
	for _, pattern := range []string{"*.hcl", "examples/config/*.hcl", "server/config/testdata/*.hcl",
		"server/config/testdata/*/*.hcl", "server/config/testdata/*/*/*.hcl"} {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, files...)
	}
	if len(seeds) < 50 {
		f.Fatalf("found %d .hcl seeds, want at least 50", len(seeds))
	}
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	// file() and relative paths resolve against the directory of the
	// file name: an empty directory, so that no input reads a real file.
	filename := filepath.Join(f.TempDir(), "config.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := config.Parse(src, filename)
		if err == nil {
			if cfg == nil {
				t.Fatal("Parse returned neither a configuration nor an error")
			}
			return
		}
		var diags hcl.Diagnostics
		if !errors.As(err, &diags) {
			t.Fatalf("error %T %v, want hcl.Diagnostics", err, err)
		}
		if !diags.HasErrors() {
			t.Fatalf("failed with diagnostics holding no error: %s", config.FormatDiagnostics(err))
		}
		for _, d := range diags {
			if d.Severity != hcl.DiagError {
				continue
			}
			r := d.Subject
			switch {
			case r == nil:
				t.Fatalf("diagnostic %q has no file:line range", d.Summary)
			case r.Filename != filename:
				t.Fatalf("diagnostic %q points at %q, want %q", d.Summary, r.Filename, filename)
			case r.Start.Line < 1 || r.Start.Column < 1 || r.End.Line < r.Start.Line:
				t.Fatalf("diagnostic %q has the range %s", d.Summary, r)
			case r.Start.Byte < 0 || r.Start.Byte > r.End.Byte || r.End.Byte > len(src):
				t.Fatalf("diagnostic %q has the byte range %d-%d in a %d-byte file", d.Summary, r.Start.Byte, r.End.Byte, len(src))
			}
		}
	})
}

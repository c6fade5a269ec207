package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestVerifyPlugins: VerifyPlugins compares each pinned sha256 with the
// executable's checksum, without starting it, and points at the sha256
// line (an error; a warning for an optional plugin); dev_mode is a
// warning at the plugin block.
func TestVerifyPlugins(t *testing.T) {
	stub := []byte("#!/bin/sh\nexit 1\n")
	sum := sha256.Sum256(stub)
	good := hex.EncodeToString(sum[:])
	wrong := strings.Repeat("ab", 32)

	type want struct {
		severity hcl.DiagnosticSeverity
		line     int
		msg      string // substring of summary + "; " + detail
	}
	tests := []struct {
		name   string
		plugin string // the plugin block's attributes after path
		remove bool   // delete the executable after Parse
		want   []want
	}{
		{name: "no_plugin"},
		{name: "matching_checksum", plugin: fmt.Sprintf("sha256 = %q", good)},
		{name: "matching_checksum_upper_case", plugin: fmt.Sprintf("sha256 = %q", strings.ToUpper(good))},
		{name: "wrong_checksum", plugin: fmt.Sprintf("sha256 = %q", wrong), want: []want{{
			hcl.DiagError, 4,
			fmt.Sprintf(`Plugin checksum mismatch; plugin "p": the SHA-256 checksum of %%q is %s, not the pinned %s; serve refuses to start it.`, good, wrong),
		}}},
		{name: "wrong_checksum_optional", plugin: fmt.Sprintf("sha256 = %q\n  optional = true", wrong), want: []want{{
			hcl.DiagWarning, 4, `Plugin checksum mismatch; plugin "p": the SHA-256 checksum of %q is ` + good + `, not the pinned ` + wrong + `; serve starts without it (optional = true)`,
		}}},
		{name: "dev_mode_without_checksum", plugin: "dev_mode = true", want: []want{{
			hcl.DiagWarning, 2, `Plugin in dev_mode; plugin "p": dev_mode = true: the executable runs without a pinned checksum; for development only.`,
		}}},
		{name: "dev_mode_with_wrong_checksum", plugin: fmt.Sprintf("dev_mode = true\n  sha256 = %q", wrong), want: []want{
			{hcl.DiagWarning, 2, `Plugin in dev_mode; plugin "p": dev_mode = true, which lets an executable run without a pinned checksum, is for development only; this one's sha256 is still checked.`},
			{hcl.DiagError, 5, `Plugin checksum mismatch; plugin "p"`},
		}},
		{name: "executable_gone", plugin: fmt.Sprintf("sha256 = %q", good), remove: true, want: []want{{
			hcl.DiagError, 4, `Cannot read plugin; plugin "p": cannot compute the checksum of %q: no such file or directory; serve refuses to start it.`,
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			exe := filepath.Join(dir, "p")
			if err := os.WriteFile(exe, stub, 0o700); err != nil {
				t.Fatal(err)
			}
			src := "store \"memory\" {}\n"
			if tt.plugin != "" {
				src = "\nplugin \"p\" {\n  path   = \"p\"\n  " + tt.plugin + "\n}\n" + src
			}
			src += "profile \"default\" {\n  authentication {\n    anonymous = true\n  }\n}\n"
			path := filepath.Join(dir, "config.hcl")
			cfg, err := Parse([]byte(src), path)
			if err != nil {
				t.Fatalf("Parse: %s", FormatDiagnostics(err))
			}
			if tt.remove {
				if err := os.Remove(exe); err != nil {
					t.Fatal(err)
				}
			}
			diags := cfg.VerifyPlugins()
			if len(tt.want) == 0 {
				if diags != nil {
					t.Fatalf("VerifyPlugins = %s, want nil", FormatDiagnostics(diags))
				}
				return
			}
			if len(diags) != len(tt.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(tt.want), FormatDiagnostics(diags))
			}
			if got, wantErr := diags.HasErrors(), tt.want[len(tt.want)-1].severity == hcl.DiagError; got != wantErr {
				t.Errorf("HasErrors = %v, want %v", got, wantErr)
			}
			for i, w := range tt.want {
				d := diags[i]
				if d.Severity != w.severity {
					t.Errorf("diagnostic %d: severity %v, want %v", i, d.Severity, w.severity)
				}
				if d.Subject == nil || d.Subject.Filename != path || d.Subject.Start.Line != w.line {
					t.Errorf("diagnostic %d at %v, want %s:%d", i, d.Subject, path, w.line)
				}
				msg := w.msg
				if strings.Contains(msg, "%q") {
					msg = fmt.Sprintf(msg, exe)
				}
				if got := d.Summary + "; " + d.Detail; !strings.Contains(got, msg) {
					t.Errorf("diagnostic %d: %q does not contain %q", i, got, msg)
				}
			}
		})
	}
}

package hydratest

import (
	"strings"
	"testing"
)

// TestBuildHint checks that a failed build of Hydra names what is missing.
func TestBuildHint(t *testing.T) {
	for _, tc := range []struct {
		name, out, want string
	}{
		{"empty output", "", ""},
		{"unrelated error", "hydra/oauth2/handler.go:12: undefined: x", ""},
		{"proxy off", "go: downloading github.com/ory/hydra/v2 v2.3.0\nmodule lookup disabled by GOPROXY=off", "module proxy"},
		{"proxy unreachable", `Get "https://proxy.golang.org/github.com/ory/x/@v/v0.0.675.zip": dial tcp: lookup proxy.golang.org: no such host`, "module proxy"},
		{"go.sum incomplete", "missing go.sum entry for module providing package github.com/ory/x", "go.sum"},
		{"compiler fails", "# github.com/mattn/go-sqlite3\ncgo: C compiler \"gcc\" not found", "C compiler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildHint([]byte(tc.out))
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("buildHint(%q) = %q, want one naming %q", tc.out, got, tc.want)
			}
		})
	}
}

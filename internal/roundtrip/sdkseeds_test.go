package roundtrip

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the SDK's seed corpus")

// sdkSeedDir is the committed seed corpus of the SDK's metadata fuzz
// target. The SDK is a module of its own and cannot import this package,
// so its seeds (the README's bodies and the golden answers) are written
// there as Go fuzz corpus files, which go test runs as seeds.
const sdkSeedDir = "sdk/testdata/fuzz/FuzzMetadataRoundTrip"

// seedFile is the corpus file of one seed: its name (seed- and the first
// 12 hex digits of its SHA-256) and its content.
func seedFile(b []byte) (name, content string) {
	sum := sha256.Sum256(b)
	return "seed-" + hex.EncodeToString(sum[:6]), fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
}

// TestSDKSeedCorpus keeps the SDK's seed corpus equal to Seeds: a README
// body or golden answer added or changed fails here until
// `go test ./internal/roundtrip -update` rewrites the corpus. Inputs the
// fuzzer found (files not named seed-*) are left alone.
func TestSDKSeedCorpus(t *testing.T) {
	dir := filepath.Join(RepoRoot(t), sdkSeedDir)
	want := map[string]string{}
	for _, b := range Seeds(t) {
		name, content := seedFile(b)
		want[name] = content
	}
	have, err := filepath.Glob(filepath.Join(dir, "seed-*"))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		for _, f := range have {
			if _, ok := want[filepath.Base(f)]; !ok {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range want {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var stale []string
	for _, f := range have {
		name := filepath.Base(f)
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[name]; !ok || w != string(got) {
			stale = append(stale, name)
		}
		delete(want, name)
	}
	missing := slices.Sorted(func(yield func(string) bool) {
		for name := range want {
			if !yield(name) {
				return
			}
		}
	})
	if len(stale) > 0 || len(missing) > 0 {
		t.Errorf("%s is out of date (stale %s; missing %s): run go test ./internal/roundtrip -update",
			sdkSeedDir, strings.Join(stale, ", "), strings.Join(missing, ", "))
	}
}

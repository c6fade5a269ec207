package roundtrip

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ProfilePolicy is the policy block of the profile the property tests and
// the lifecycle fuzz target register under: every grant and response type
// the seeds use, key-based, secret-based and public clients, and unknown
// metadata kept, so that as many bodies as possible are accepted and
// stored whole.
const ProfilePolicy = `
  policy {
    grant_types                 = ["authorization_code", "refresh_token", "client_credentials", "implicit"]
    response_types              = ["code", "id_token", "code id_token", "none"]
    token_endpoint_auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    scopes                      = ["openid", "profile", "email", "api", "offline_access", "mcp"]
    default_scope               = "openid"
    keep_unknown_metadata       = true
  }
`

// Corpus returns the seed bodies followed by n variations of them (see
// Variations), plus every committed input of the fuzz targets named in
// fuzzDirs (testdata/fuzz/<name>/ files in Go's corpus format, relative to
// the module root) whose first value is a []byte: an input that once
// broke the lifecycle keeps being checked on every store.
func Corpus(tb testing.TB, n int, fuzzDirs ...string) [][]byte {
	tb.Helper()
	seeds := Seeds(tb)
	bodies := append(append([][]byte(nil), seeds...), Variations(seeds, n, 7591)...)
	root := RepoRoot(tb)
	for _, dir := range fuzzDirs {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			if v, ok := corpusBytes(string(b)); ok {
				bodies = append(bodies, v)
			}
		}
	}
	return bodies
}

// Base is the registration UpdateLifecycle updates: a web client every
// profile of roundtrip.ProfilePolicy accepts.
var Base = []byte(`{"client_name":"base","redirect_uris":["https://app.example.com/cb"]}`)

// Property runs Lifecycle for each body, and UpdateLifecycle with each
// body as the update of Base: one error per failing body (its index and
// a clipped copy of it). It fails when fewer than minAccepted bodies were
// accepted as a create: a property over no accepted body would prove
// nothing.
func Property(t *testing.T, c Client, bodies [][]byte, minAccepted int) {
	t.Helper()
	accepted, updates := 0, 0
	refusals := map[string]int{}
	for i, b := range bodies {
		refused, err := c.Lifecycle(b)
		if refused == nil {
			accepted++
		} else {
			refusals[fmt.Sprintf("%d %s: %s", refused.Status, refused.Error, refused.Description)]++
		}
		if err != nil {
			t.Errorf("body %d %q:\n%v", i, clip(b), err)
		}
		refused, err = c.UpdateLifecycle(Base, b)
		if refused == nil && err == nil {
			updates++
		}
		if err != nil {
			t.Errorf("body %d as an update %q:\n%v", i, clip(b), err)
		}
	}
	t.Logf("%d of %d bodies accepted on create, %d on update", accepted, len(bodies), updates)
	for r, n := range refusals {
		t.Logf("refused %d×: %s", n, r)
	}
	if accepted < minAccepted || updates < minAccepted {
		t.Errorf("only %d (create) and %d (update) of %d bodies accepted, want at least %d: the property would prove little",
			accepted, updates, len(bodies), minAccepted)
	}
}

// corpusBytes decodes the first value of a file of Go's fuzz corpus format
// ("go test fuzz v1", then one value a line) when it is a []byte.
func corpusBytes(s string) ([]byte, bool) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) < 2 || lines[0] != "go test fuzz v1" {
		return nil, false
	}
	first := strings.TrimSpace(lines[1])
	if !strings.HasPrefix(first, "[]byte(") || !strings.HasSuffix(first, ")") {
		return nil, false
	}
	v, err := strconv.Unquote(first[len("[]byte(") : len(first)-1])
	if err != nil {
		return nil, false
	}
	return []byte(v), true
}

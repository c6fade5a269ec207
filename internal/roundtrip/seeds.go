package roundtrip

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// ServerManaged are the members of a registration answer that the server
// sets and a client must not send back on update (RFC 7591 §3.2.1,
// RFC 7592 §2.2), plus client_secret, which a client sends only to prove
// it holds the current one.
var ServerManaged = []string{
	"client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
	"registration_access_token", "registration_client_uri",
}

// RepoRoot returns the repository's root, the directory of go.work,
// searched upward from the working directory (a test runs in its package's
// directory, which may be in any of the repository's modules).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("roundtrip: no go.work above the working directory")
		}
		dir = parent
	}
}

var (
	// jsonBlock is a fenced JSON block of the README.
	jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)```")
	// curlBody is the single-quoted body of a curl -d in the README.
	curlBody = regexp.MustCompile(`(?s)-d '(\{.*?\})'`)
)

// Seeds returns the registration bodies of the README (the -d bodies of
// its curl commands and its JSON answers) and of the success answers in
// server/app/testdata/golden, each a compact JSON object without the
// ServerManaged members, deduplicated and sorted. Golden placeholders such
// as "<timestamp>" are only in server-managed members, which are removed.
func Seeds(tb testing.TB) [][]byte {
	tb.Helper()
	root := RepoRoot(tb)
	var raw [][]byte
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range jsonBlock.FindAllSubmatch(readme, -1) {
		raw = append(raw, m[1])
	}
	for _, m := range curlBody.FindAllSubmatch(readme, -1) {
		raw = append(raw, m[1])
	}
	goldens, err := filepath.Glob(filepath.Join(root, "server", "app", "testdata", "golden", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, path := range goldens {
		b, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("// status 20")) {
			continue // an error answer
		}
		_, body, _ := bytes.Cut(b, []byte("\n"))
		raw = append(raw, body)
	}
	var seeds [][]byte
	for _, r := range raw {
		body, err := requestBody(r)
		if err != nil {
			continue // a shell-quoted body or an error answer
		}
		if !slices.ContainsFunc(seeds, func(s []byte) bool { return bytes.Equal(s, body) }) {
			seeds = append(seeds, body)
		}
	}
	if len(seeds) < 5 {
		tb.Fatalf("roundtrip: found %d seed bodies in the README and the golden files, want at least 5", len(seeds))
	}
	slices.SortFunc(seeds, bytes.Compare)
	return seeds
}

// requestBody turns a JSON object into a registration request: the
// ServerManaged members removed, compact, keys sorted.
func requestBody(raw []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	if _, isError := m["error"]; isError {
		return nil, errors.New("an error answer")
	}
	for _, k := range ServerManaged {
		delete(m, k)
	}
	for k := range m {
		if strings.HasPrefix(k, "<") {
			return nil, errors.New("a placeholder member")
		}
	}
	return json.Marshal(m)
}

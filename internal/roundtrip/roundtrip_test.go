package roundtrip

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func TestCorpusBytes(t *testing.T) {
	tests := []struct {
		name, file string
		want       []byte
		ok         bool
	}{
		{name: "empty file", file: ""},
		{name: "header only", file: "go test fuzz v1\n"},
		{name: "other header", file: "go test fuzz v2\n[]byte(\"{}\")\n"},
		{name: "string value", file: "go test fuzz v1\nstring(\"{}\")\n"},
		{name: "two values", file: "go test fuzz v1\n[]byte(\"{}\")\nbool(true)\n", want: []byte("{}"), ok: true},
		{name: "bytes second", file: "go test fuzz v1\nbool(true)\n[]byte(\"{}\")\n"},
		{name: "bad quoting", file: "go test fuzz v1\n[]byte(\"{)\n"},
		{name: "empty bytes", file: "go test fuzz v1\n[]byte(\"\")\n", want: []byte{}, ok: true},
		{name: "body", file: "go test fuzz v1\n[]byte(\"{\\\"x\\\":\\\"\\xff\\\"}\")\n", want: []byte("{\"x\":\"\xff\"}"), ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := corpusBytes(tc.file)
			if ok != tc.ok || !bytes.Equal(got, tc.want) {
				t.Errorf("corpusBytes = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSeedsAndVariations(t *testing.T) {
	seeds := Seeds(t)
	for _, s := range seeds {
		var m map[string]any
		if err := json.Unmarshal(s, &m); err != nil {
			t.Fatalf("seed %s: %v", s, err)
		}
		for _, k := range ServerManaged {
			if _, ok := m[k]; ok {
				t.Errorf("seed %s holds %s", s, k)
			}
		}
	}
	a, b := Variations(seeds, 50, 1), Variations(seeds, 50, 1)
	if len(a) != 50 || !slices.EqualFunc(a, b, bytes.Equal) {
		t.Fatal("Variations is not deterministic for one seed")
	}
	if c := Variations(seeds, 50, 2); slices.EqualFunc(a, c, bytes.Equal) {
		t.Error("Variations gives the same bodies for two seeds")
	}
	for _, v := range a {
		if !json.Valid(v) {
			t.Errorf("variation %s is not JSON", v)
		}
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		a, b   map[string]any
		ignore []string
		want   int
	}{
		{name: "nil maps", want: 0},
		{name: "equal", a: map[string]any{"x": "1"}, b: map[string]any{"x": "1"}},
		{name: "changed", a: map[string]any{"x": "1"}, b: map[string]any{"x": "2"}, want: 1},
		{name: "removed and added", a: map[string]any{"x": "1"}, b: map[string]any{"y": "1"}, want: 2},
		{name: "ignored", a: map[string]any{"x": "1", "t": "a"}, b: map[string]any{"x": "1", "t": "b"}, ignore: []string{"t"}},
		{name: "ignored when added", a: map[string]any{}, b: map[string]any{"t": "b"}, ignore: []string{"t"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := diff(tc.a, tc.b, tc.ignore...); len(got) != tc.want {
				t.Errorf("diff = %v, want %d differences", got, tc.want)
			}
		})
	}
}

func TestClipHidesCredentials(t *testing.T) {
	got := string(clip([]byte(`{"client_secret":"s3cr3t","registration_access_token":"t0k3n","client_id":"c"}`)))
	if want := `{"client_secret":"<redacted>","registration_access_token":"<redacted>","client_id":"c"}`; got != want {
		t.Errorf("clip = %s, want %s", got, want)
	}
}

func TestCaseTwins(t *testing.T) {
	tests := []struct {
		name string
		obj  map[string]any
		want bool
	}{
		{name: "nil", obj: nil},
		{name: "empty", obj: map[string]any{}},
		{name: "known members", obj: map[string]any{"redirect_uris": []any{}, "client_name": "x"}},
		{name: "unknown members of two cases", obj: map[string]any{"x_a": 1, "X_A": 2}},
		{name: "language tags of two cases", obj: map[string]any{"client_name#fr": "a", "client_name#FR": "b"}},
		{name: "twin of a known member", obj: map[string]any{"redirect_uris": []any{}, "REDIRECT_URIS": []any{}}, want: true},
		{name: "lone twin", obj: map[string]any{"Grant_Types": []any{}}, want: true},
		{name: "twin of a reserved member", obj: map[string]any{"Client_ID": "x"}, want: true},
		{name: "twin of keys", obj: map[string]any{"jwks": map[string]any{"keys": []any{}, "KEYS": []any{}}}, want: true},
		{name: "twin in a key", obj: map[string]any{"jwks": map[string]any{"keys": []any{map[string]any{"kty": "EC", "KTY": "oct"}}}}, want: true},
		{name: "clean key", obj: map[string]any{"jwks": map[string]any{"keys": []any{map[string]any{"kty": "EC", "x_note": 1}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := caseTwins(tc.obj); (got != "") != tc.want {
				t.Errorf("caseTwins = %q, want a twin: %v", got, tc.want)
			}
		})
	}
}

package sdk

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomMetadata sets every known member of a Metadata to a random value,
// with strings full of characters that need escaping.
func randomMetadata(r *rand.Rand) Metadata {
	pieces := []string{"a", "é", `"`, `\`, `\"`, `\\`, "\n", "\t", "\x01", "<&>", "\u2028", "🙂", ",", "]", "[", "", " "}
	str := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	var md Metadata
	v := reflect.ValueOf(&md).Elem()
	for _, f := range fieldIndex {
		if r.IntN(4) == 0 {
			continue // absent
		}
		dst := v.Field(f.index)
		switch f.kind {
		case kindString:
			if s := str(); s != "" {
				dst.SetString(s)
			}
		case kindStrings:
			list := make([]string, 1+r.IntN(3))
			for i := range list {
				list[i] = str()
			}
			dst.Set(reflect.ValueOf(list))
		case kindInt:
			n := r.Int64() - r.Int64()
			dst.Set(reflect.ValueOf(&n))
		case kindBool:
			b := r.IntN(2) == 0
			dst.Set(reflect.ValueOf(&b))
		case kindObject:
			dst.Set(reflect.ValueOf(json.RawMessage(`{"keys":[]}`)))
		}
	}
	return md
}

// TestMetadataRoundTripRandom: what MarshalJSON writes, UnmarshalJSON reads back
// unchanged, whatever the strings hold.
func TestMetadataRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 3000 {
		md := randomMetadata(r)
		b, err := md.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Metadata
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, b)
		}
		if !reflect.DeepEqual(back, md) {
			t.Fatalf("case %d: round trip differs\nwrote %s\ngot   %+v\nwant  %+v", i, b, back, md)
		}
	}
}

// TestMetadataUnmarshalOtherForms: valid JSON that encoding/json would not
// write (spaces, exponents) still decodes, through the slow path.
func TestMetadataUnmarshalOtherForms(t *testing.T) {
	tests := []struct {
		name, in string
		want     Metadata
		wantErr  bool
	}{
		{name: "spaces in arrays", in: `{"redirect_uris": [ "https://a" , "https://b" ]}`, want: Metadata{RedirectURIs: []string{"https://a", "https://b"}}},
		{name: "empty array", in: `{"contacts":[]}`, want: Metadata{Contacts: []string{}}},
		{name: "escaped quote at the end", in: `{"contacts":["a\"","b\\"]}`, want: Metadata{Contacts: []string{`a"`, `b\`}}},
		{name: "unicode escapes", in: `{"client_name":"\u00e9\ud83d\ude42"}`, want: Metadata{ClientName: "é🙂"}},
		{name: "bool with spaces around", in: `{"require_auth_time" : true }`, want: Metadata{RequireAuthTime: ptr(true)}},
		{name: "negative int", in: `{"default_max_age":-3}`, want: Metadata{DefaultMaxAge: ptr(int64(-3))}},
		{name: "int as a float is refused", in: `{"default_max_age":1.5}`, wantErr: true},
		{name: "string where an array belongs is refused", in: `{"redirect_uris":"https://a"}`, wantErr: true},
		{name: "array of numbers is refused", in: `{"redirect_uris":[1]}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got Metadata
			err := got.UnmarshalJSON([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error; got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

package httpapi

import "testing"

func TestDescriptionSafe(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "empty", in: "", want: ""},
		{name: "plain", in: "redirect_uris[0]: must use https", want: "redirect_uris[0]: must use https"},
		{name: "double quotes", in: `scope: "admin" is not allowed`, want: `scope: 'admin' is not allowed`},
		{name: "backslash", in: `a\b`, want: `a/b`},
		{name: "non-ascii", in: "host аpp", want: "host ?pp"},
		{name: "control", in: "a\nb\tc", want: "a?b?c"},
		{name: "section sign", in: "must use https (RFC 8252 §7.3)", want: "must use https (RFC 8252 section 7.3)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := descriptionSafe(tc.in)
			if got != tc.want {
				t.Errorf("descriptionSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for i := 0; i < len(got); i++ {
				if c := got[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
					t.Errorf("character %q outside RFC 6749 §5.2", c)
				}
			}
		})
	}
}

package storetest

import (
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// testCreateGetDeepMetadata stores a client whose metadata nests as deep
// as sdk.ParseMetadata ever accepts (sdk.MaxDepthLimit levels, in jwks and
// in an unknown member) and reads it back: a store must decode every
// record it wrote from accepted metadata.
func testCreateGetDeepMetadata(t *testing.T, s sdk.ClientStore) {
	nest := func(n int, inner string) string {
		return strings.Repeat("[", n) + inner + strings.Repeat("]", n)
	}
	// The body is level 1; a key of jwks is level 4.
	body := `{"redirect_uris":["https://app.example.com/cb"],` +
		`"x_deep":` + nest(sdk.MaxDepthLimit-2, `{"k":"v"}`) + `,` +
		`"jwks":{"keys":[{"kty":"EC","x_ext":` + nest(sdk.MaxDepthLimit-4, `1`) + `}]}}`
	md, _, err := sdk.ParseMetadata([]byte(body), sdk.ParseOptions{MaxDepth: sdk.MaxDepthLimit})
	if err != nil {
		t.Fatalf("ParseMetadata: %v", err)
	}
	in := SampleClient("client-deep")
	in.Metadata = md
	got := mustCreate(t, s, in)
	want := in
	want.Revision = 1
	requireSame(t, "Create result", want, got)
	requireStored(t, s, want)
}

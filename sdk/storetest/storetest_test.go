package storetest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// TestSampleClientSetsEveryField fails when a field is added to sdk.Client
// or sdk.Metadata and SampleClient does not set it: the suite would then not
// prove that stores keep it.
func TestSampleClientSetsEveryField(t *testing.T) {
	c := SampleClient("client-1")
	check := func(prefix string, v reflect.Value, skip map[string]bool) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || skip[f.Name] {
				continue
			}
			if v.Field(i).IsZero() {
				t.Errorf("SampleClient leaves %s%s unset", prefix, f.Name)
			}
		}
	}
	check("", reflect.ValueOf(c), map[string]bool{"Revision": true})
	check("Metadata.", reflect.ValueOf(c.Metadata), nil)

	zeroInt, zeroBool := false, false
	v := reflect.ValueOf(c.Metadata)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		switch e := f.Elem(); e.Kind() {
		case reflect.Int64:
			zeroInt = zeroInt || e.Int() == 0
		case reflect.Bool:
			zeroBool = zeroBool || !e.Bool()
		}
	}
	if !zeroInt || !zeroBool {
		t.Errorf("SampleClient must set some pointer integers to 0 and booleans to false (int %v, bool %v)", zeroInt, zeroBool)
	}
}

// TestSampleTokenSetsEveryField fails when a field is added to
// sdk.InitialAccessToken and SampleToken does not set it.
func TestSampleTokenSetsEveryField(t *testing.T) {
	tok := SampleToken("iat-1")
	v := reflect.ValueOf(tok)
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.Name != "Revision" && v.Field(i).IsZero() {
			t.Errorf("SampleToken leaves %s unset", f.Name)
		}
	}
	if SampleToken("a").Hash == SampleToken("b").Hash || SampleToken("a").Hash == SampleClient("a").RegistrationTokenHash {
		t.Error("SampleToken hashes collide")
	}
}

func TestSampleClientFresh(t *testing.T) {
	a, b := SampleClient("x"), SampleClient("x")
	a.Metadata.RedirectURIs[0] = "changed"
	*a.Metadata.DefaultMaxAge = 5
	a.Metadata.Extensions["x_null"][0] = 'N'
	if !Equal(b, SampleClient("x")) {
		t.Fatal("two SampleClient values share memory")
	}
	if SampleClient("x").RegistrationTokenHash == SampleClient("y").RegistrationTokenHash {
		t.Fatal("distinct ids give the same registration token hash")
	}
}

// TestSampleClientJSONRoundTrip is the reference a JSON-backed store must
// meet: a record survives json.Marshal and json.Unmarshal unchanged.
func TestSampleClientJSONRoundTrip(t *testing.T) {
	in := SampleClient("client-json")
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out sdk.Client
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if d := Diff(in, out); d != "" {
		t.Fatalf("JSON round trip changed the record:\n%s", d)
	}
}

func TestNormalize(t *testing.T) {
	zero := int64(0)
	f := false
	for _, tc := range []struct {
		name  string
		a, b  sdk.Client
		equal bool
	}{
		{"zero values", sdk.Client{}, sdk.Client{}, true},
		{"empty and nil lists", sdk.Client{Metadata: sdk.Metadata{Contacts: []string{}}}, sdk.Client{}, true},
		{"empty and nil maps", sdk.Client{Metadata: sdk.Metadata{
			Localized: map[string]string{}, Extensions: map[string]json.RawMessage{},
		}}, sdk.Client{}, true},
		{"empty and nil bytes", sdk.Client{SecretSealed: []byte{}}, sdk.Client{}, true},
		{"JSON member order and spaces", sdk.Client{Metadata: sdk.Metadata{JWKS: json.RawMessage(`{ "b": 1, "a": [ 1 ] }`)}},
			sdk.Client{Metadata: sdk.Metadata{JWKS: json.RawMessage(`{"a":[1],"b":1}`)}}, true},
		{"JSON string escapes", sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`"\u00e9\u003c"`)}}},
			sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`"é<"`)}}}, true},
		{"float spelling", sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`1.5e-7`)}}},
			sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`1.5e-07`)}}}, true},
		{"large integer rounded", sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`9007199254740993`)}}},
			sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`9007199254740992`)}}}, false},
		{"nil pointer and pointer to 0", sdk.Client{Metadata: sdk.Metadata{DefaultMaxAge: &zero}}, sdk.Client{}, false},
		{"nil pointer and pointer to false", sdk.Client{Metadata: sdk.Metadata{RequireConsent: &f}}, sdk.Client{}, false},
		{"JSON null and absent", sdk.Client{Metadata: sdk.Metadata{Extensions: map[string]json.RawMessage{"x": json.RawMessage(`null`)}}}, sdk.Client{}, false},
		{"revision", sdk.Client{Revision: 1}, sdk.Client{Revision: 2}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Equal(tc.a, tc.b); got != tc.equal {
				t.Fatalf("Equal = %v, want %v; Diff:\n%s", got, tc.equal, Diff(tc.a, tc.b))
			}
			if d := Diff(tc.a, tc.b); (d == "") != tc.equal {
				t.Fatalf("Diff = %q, want equal=%v", d, tc.equal)
			}
		})
	}
}

func TestNormalizeDoesNotModifyArgument(t *testing.T) {
	c := SampleClient("x")
	c.Metadata.Contacts = []string{}
	c.Metadata.JWKS = json.RawMessage(`{ "keys": [] }`)
	Normalize(c)
	if c.Metadata.Contacts == nil || string(c.Metadata.JWKS) != `{ "keys": [] }` {
		t.Fatal("Normalize changed its argument")
	}
}

func TestDiffNamesFields(t *testing.T) {
	a := SampleClient("x")
	b := SampleClient("x")
	b.Metadata.DefaultMaxAge = nil
	b.Profile = "other"
	d := Diff(a, b)
	for _, want := range []string{"Metadata.DefaultMaxAge: want 0, got <nil>", `Profile: want "partners", got "other"`} {
		if !strings.Contains(d, want) {
			t.Errorf("Diff = %q, want it to contain %q", d, want)
		}
	}
}

package sdk

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// recordingSteps appends the name of each Steps method called to
// Items["ran"], comma-separated.
type recordingSteps struct{}

func record(name string, rc RegistrationContext) (RegistrationContext, error) {
	items := map[string]string{}
	for k, v := range rc.Items {
		items[k] = v
	}
	if items["ran"] != "" {
		items["ran"] += ","
	}
	items["ran"] += name
	rc.Items = items
	return rc, nil
}

func (recordingSteps) SoftwareStatement(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("SoftwareStatement", rc)
}
func (recordingSteps) ApplicationType(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("ApplicationType", rc)
}
func (recordingSteps) GrantTypes(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("GrantTypes", rc)
}
func (recordingSteps) RedirectURIs(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("RedirectURIs", rc)
}
func (recordingSteps) AuthMethod(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("AuthMethod", rc)
}
func (recordingSteps) Scopes(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("Scopes", rc)
}
func (recordingSteps) Names(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("Names", rc)
}
func (recordingSteps) OpenIDConnect(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("OpenIDConnect", rc)
}
func (recordingSteps) Extensions(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("Extensions", rc)
}
func (recordingSteps) Unknown(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return record("Unknown", rc)
}

// snake is the step name of a Steps method: RedirectURIs → redirect_uris,
// OpenIDConnect → openid_connect.
func snake(method string) string {
	if method == "OpenIDConnect" {
		return "openid_connect"
	}
	var b strings.Builder
	for i, r := range method {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 {
			prevUpper := method[i-1] >= 'A' && method[i-1] <= 'Z'
			nextLower := i+1 < len(method) && method[i+1] >= 'a' && method[i+1] <= 'z'
			if !prevUpper || nextLower && method[i+1:] != "s" {
				b.WriteByte('_')
			}
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}

// TestStepTable keeps the one list of steps (stepTable) equal to the method
// set of Steps: each entry calls its own method, named after it, every
// method has an entry, and Run follows the table's order.
func TestStepTable(t *testing.T) {
	methods := reflect.TypeFor[Steps]()
	if methods.NumMethod() != len(stepTable) {
		t.Fatalf("Steps has %d methods, the step table %d entries", methods.NumMethod(), len(stepTable))
	}
	var called []string
	for _, st := range stepTable {
		rc, err := st.call(recordingSteps{}, t.Context(), RegistrationContext{})
		if err != nil {
			t.Fatal(err)
		}
		method := rc.Items["ran"]
		if want := snake(method); st.name != want {
			t.Errorf("step %q calls Steps.%s, whose step name is %q", st.name, method, want)
		}
		if slices.Contains(called, method) {
			t.Errorf("Steps.%s is called by two entries", method)
		}
		called = append(called, method)
	}
	for i := range methods.NumMethod() {
		if m := methods.Method(i).Name; !slices.Contains(called, m) {
			t.Errorf("Steps.%s has no entry in the step table", m)
		}
	}

	out, err := Run(t.Context(), recordingSteps{}, RegistrationContext{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.Items["ran"], strings.Join(called, ","); got != want {
		t.Errorf("Run called %s, want the table's order %s", got, want)
	}
	var names []string
	for _, m := range strings.Split(out.Items["ran"], ",") {
		names = append(names, snake(m))
	}
	if got := StepNames(); !slices.Equal(got, names) {
		t.Errorf("StepNames() = %v, want %v", got, names)
	}
}

func TestStepNamesIsACopy(t *testing.T) {
	a := StepNames()
	a[0] = "changed"
	if b := StepNames(); b[0] != "software_statement" {
		t.Fatalf("StepNames()[0] = %q after changing a returned slice", b[0])
	}
}

func TestSnake(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SoftwareStatement", "software_statement"},
		{"RedirectURIs", "redirect_uris"},
		{"OpenIDConnect", "openid_connect"},
		{"Names", "names"},
		{"Unknown", "unknown"},
		{"AuthMethod", "auth_method"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := snake(tc.in); got != tc.want {
				t.Errorf("snake(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

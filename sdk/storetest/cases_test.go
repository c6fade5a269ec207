package storetest

import "testing"

// TestCaseNamesUnique: Run runs the three parts side by side, so a case
// name may appear once across them all.
func TestCaseNamesUnique(t *testing.T) {
	seen := map[string]string{}
	add := func(part, name string) {
		if other, dup := seen[name]; dup {
			t.Errorf("case %q is in %s and in %s", name, other, part)
		}
		seen[name] = part
	}
	for _, c := range clientCases {
		add("RunClients", c.name)
	}
	for _, c := range tokenCases {
		add("RunTokens", c.name)
	}
	for _, c := range jtiCases {
		add("RunJTI", c.name)
	}
	if len(seen) == 0 {
		t.Fatal("no cases")
	}
}

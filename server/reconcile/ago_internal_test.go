package reconcile

import (
	"testing"
	"time"
)

// TestAgo: the ages in reasons read as an operator would write them.
func TestAgo(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "0s"},
		{"seconds", 45 * time.Second, "45s"},
		{"minutes", 12*time.Minute + 20*time.Second, "12m"},
		{"whole hours", 3 * time.Hour, "3h"},
		{"hours and minutes", 3*time.Hour + 5*time.Minute, "3h5m"},
		{"a day and more", 47 * time.Hour, "47h"},
		{"days", 9*24*time.Hour + 3*time.Hour, "9d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ago(tc.d); got != tc.want {
				t.Errorf("ago(%v) = %q, want %q", tc.d, got, tc.want)
			}
		})
	}
}

package plugin

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// TestServeGCPercentOptIn: Serve changes the garbage collector's target only
// when the plugin passes WithGCPercent, and never when GOGC is set.
func TestServeGCPercentOptIn(t *testing.T) {
	const before = 123
	tests := []struct {
		name    string
		opts    []ServeOption
		gogc    string
		want    int
		wantErr string
	}{
		{name: "no options", want: before},
		{name: "nil option", opts: []ServeOption{nil}, want: before},
		{name: "other option only", opts: []ServeOption{WithConfig(func(context.Context, gateConfig) error { return nil })}, want: before},
		{name: "opt in", opts: []ServeOption{WithGCPercent(400)}, want: 400},
		{name: "opt in, GOGC set", opts: []ServeOption{WithGCPercent(400)}, gogc: "100", want: before},
		{name: "last one wins", opts: []ServeOption{WithGCPercent(400), WithGCPercent(250)}, want: 250},
		{name: "zero", opts: []ServeOption{WithGCPercent(0)}, wantErr: "must be positive"},
		{name: "negative (GC off)", opts: []ServeOption{WithGCPercent(-1)}, wantErr: "must be positive"},
	}
	orig := debug.SetGCPercent(before)
	t.Cleanup(func() { debug.SetGCPercent(orig) })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(before)
			_, _, err := applyOptions(&ServeConfig{Processor: sdk.DefaultProcessor{}}, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("applyOptions: err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tuneProcess(collectOptions(tc.opts), func(key string) string {
				if key == "GOGC" {
					return tc.gogc
				}
				return ""
			})
			if got := debug.SetGCPercent(before); got != tc.want {
				t.Errorf("GC percent = %d, want %d", got, tc.want)
			}
		})
	}
}

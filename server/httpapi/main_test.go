package httpapi

import (
	"os"
	"testing"
)

// TestMain puts gin in release mode, as registrar serve's main does:
// NewHandler leaves gin's process-wide mode alone.
func TestMain(m *testing.M) {
	SetReleaseMode()
	os.Exit(m.Run())
}

package app_test

import (
	"os"
	"testing"

	"github.com/registrar-dcr/registrar/server/httpapi"
)

// TestMain puts gin in release mode, as registrar serve's main does:
// app.New leaves gin's process-wide mode alone.
func TestMain(m *testing.M) {
	httpapi.SetReleaseMode()
	os.Exit(m.Run())
}

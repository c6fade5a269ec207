package memory_test

import (
	"testing"

	"github.com/registrar-dcr/registrar/server/stores/memory"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin/admintest"
)

// TestAdmin: the memory store lists and removes clients for the
// operator's commands (registrar client scan, client delete). Its records
// are values, so none fails to decode.
func TestAdmin(t *testing.T) {
	admintest.Run(t, func(*testing.T) admintest.Store { return memory.New() }, nil)
}

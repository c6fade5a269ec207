package memory_test

import (
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/storetest"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sdk.Store { return memory.New() })
}

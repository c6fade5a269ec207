package cli

import (
	"context"
	"errors"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

// TestDeleteClientWithoutRemover: a store without storeadmin.Remover (a
// store plugin) is asked for the record, then to delete that revision;
// a missing client is sdk.ErrNotFound either way.
func TestDeleteClientWithoutRemover(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		store func(*memory.Store) sdk.Store
	}{
		{"remover", func(m *memory.Store) sdk.Store { return m }},
		{"plain store", func(m *memory.Store) sdk.Store { return struct{ sdk.Store }{m} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := memory.New()
			c, err := m.Create(ctx, sdk.Client{ID: "c", Profile: "p"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Update(ctx, c); err != nil {
				t.Fatal(err)
			}
			s := tc.store(m)
			if err := deleteClient(ctx, s, "c"); err != nil {
				t.Fatalf("deleteClient: %v", err)
			}
			if _, err := m.Get(ctx, "c"); !errors.Is(err, sdk.ErrNotFound) {
				t.Errorf("Get after deleteClient = %v", err)
			}
			if err := deleteClient(ctx, s, "c"); !errors.Is(err, sdk.ErrNotFound) {
				t.Errorf("second deleteClient = %v, want ErrNotFound", err)
			}
		})
	}
}

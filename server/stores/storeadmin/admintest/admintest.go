// Package admintest checks a store's storeadmin capabilities: the store
// under test must implement storeadmin.Scanner and storeadmin.Remover.
package admintest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/stores/storeadmin"
)

// Store is what Run needs: an sdk.Store with both capabilities.
type Store interface {
	sdk.Store
	storeadmin.Scanner
	storeadmin.Remover
}

// Run checks, on a new empty store from open each time: ScanClients
// passes every client in client_id order with its revision, a record
// that does not decode with Err set (when corrupt is not nil: it stores a
// record under the given client_id that the store cannot decode), and
// stops at fn's error; RemoveClient deletes whatever the revision, the
// undecodable record included, releases the registration token hash and
// the profile's count, and answers sdk.ErrNotFound for a missing client.
func Run(t *testing.T, open func(t *testing.T) Store, corrupt func(t *testing.T, s Store, clientID string)) {
	ctx := context.Background()
	client := func(id, hash string) sdk.Client {
		return sdk.Client{ID: id, Profile: "p", RegistrationTokenHash: hash,
			Metadata: sdk.Metadata{RedirectURIs: []string{"https://app.example.com/cb"}}}
	}
	seed := func(t *testing.T) Store {
		s := open(t)
		for _, c := range []sdk.Client{client("c-2", "h2"), client("c-1", "h1")} {
			if _, err := s.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		c, _ := s.Get(ctx, "c-2")
		if _, err := s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		return s
	}
	scan := func(t *testing.T, s Store) []storeadmin.Record {
		var recs []storeadmin.Record
		if err := s.ScanClients(ctx, func(r storeadmin.Record) error { recs = append(recs, r); return nil }); err != nil {
			t.Fatalf("ScanClients: %v", err)
		}
		return recs
	}

	t.Run("scan in client_id order", func(t *testing.T) {
		s := seed(t)
		recs := scan(t, s)
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ClientID)
			if r.Err != nil || r.Client.ID != r.ClientID {
				t.Errorf("record %s: %+v", r.ClientID, r)
			}
		}
		if !slices.Equal(ids, []string{"c-1", "c-2"}) {
			t.Fatalf("ids = %v", ids)
		}
		if recs[0].Client.Revision != 1 || recs[1].Client.Revision != 2 {
			t.Errorf("revisions = %d, %d; want 1, 2", recs[0].Client.Revision, recs[1].Client.Revision)
		}
	})
	t.Run("scan of an empty store", func(t *testing.T) {
		if recs := scan(t, open(t)); len(recs) != 0 {
			t.Errorf("records = %v", recs)
		}
	})
	t.Run("scan stops at the callback's error", func(t *testing.T) {
		s := seed(t)
		stop := errors.New("stop")
		n := 0
		err := s.ScanClients(ctx, func(storeadmin.Record) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("ScanClients = %v after %d calls; want stop after 1", err, n)
		}
	})
	t.Run("scan with a done context", func(t *testing.T) {
		s := seed(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.ScanClients(cctx, func(storeadmin.Record) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("ScanClients = %v, want context.Canceled", err)
		}
	})
	t.Run("remove whatever the revision", func(t *testing.T) {
		s := seed(t)
		if err := s.RemoveClient(ctx, "c-2"); err != nil {
			t.Fatalf("RemoveClient: %v", err)
		}
		if _, err := s.Get(ctx, "c-2"); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Get after RemoveClient = %v, want ErrNotFound", err)
		}
		if n, err := s.CountClients(ctx, "p"); err != nil || n != 1 {
			t.Errorf("CountClients = %d, %v; want 1", n, err)
		}
		if _, err := s.GetByRegistrationToken(ctx, "h2"); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("GetByRegistrationToken of the removed client = %v, want ErrNotFound", err)
		}
		if _, err := s.Create(ctx, client("c-3", "h2")); err != nil {
			t.Errorf("the removed client's token hash is still held: %v", err)
		}
		if err := s.RemoveClient(ctx, "c-2"); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("second RemoveClient = %v, want ErrNotFound", err)
		}
	})
	if corrupt == nil {
		return
	}
	t.Run("an undecodable record is scanned and removed", func(t *testing.T) {
		s := seed(t)
		corrupt(t, s, "c-0")
		recs := scan(t, s)
		if len(recs) != 3 || recs[0].ClientID != "c-0" || recs[0].Err == nil {
			t.Fatalf("records = %+v; want c-0 first, with Err", recs)
		}
		if recs[1].Err != nil || recs[2].Err != nil {
			t.Errorf("the other records: %+v", recs[1:])
		}
		if err := s.RemoveClient(ctx, "c-0"); err != nil {
			t.Fatalf("RemoveClient of the undecodable record: %v", err)
		}
		if recs := scan(t, s); len(recs) != 2 {
			t.Errorf("records after RemoveClient = %+v", recs)
		}
	})
}

package sqlite

import (
	"testing"

	"github.com/registrar-dcr/registrar/server/stores/storeadmin/admintest"
)

// TestAdmin: the SQLite store lists every client, a row whose data column
// no longer decodes included, and removes one by client_id without
// reading it, for the operator's commands (registrar client scan, client
// delete).
func TestAdmin(t *testing.T) {
	admintest.Run(t,
		func(t *testing.T) admintest.Store { s, _ := openTemp(t, Options{}); return s },
		func(t *testing.T, s admintest.Store, id string) {
			// As an older version might have written it: metadata of
			// another shape.
			_, err := s.(*Store).writer.Exec(`INSERT INTO clients (client_id, profile, revision, data) VALUES (?, 'p', 1, ?)`,
				id, `{"client_id":"`+id+`","metadata":[]}`)
			if err != nil {
				t.Fatal(err)
			}
		})
}

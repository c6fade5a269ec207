// Package storeadmin holds the optional capabilities a client store offers
// the operator's commands (registrar client scan, registrar client delete)
// beyond sdk.ClientStore: listing every stored client, those whose stored
// form no longer decodes included, and removing a client by client_id
// without reading it. A record written by an older version may no longer
// decode, or may no longer pass the rules the server now applies to a
// request body; the server never re-checks a stored record, so these are
// how an operator finds and removes such records after an upgrade.
//
// The capabilities are interfaces a store implements or not, checked with
// a type assertion, so sdk.ClientStore, and every store plugin, stays as it
// is. The built-in stores (memory, sqlite) implement both; a store plugin
// implements neither (the plugin protocol carries no listing).
package storeadmin

import (
	"context"

	"github.com/registrar-dcr/registrar/sdk"
)

// Record is one stored client as Scanner.ScanClients reads it.
type Record struct {
	// ClientID is the client_id the record is stored under; always set.
	ClientID string
	// Client is the decoded record; zero when Err is not nil.
	Client sdk.Client
	// Err is why the stored form does not decode into an sdk.Client;
	// nil when it does. It never holds the stored bytes.
	Err error
}

// Scanner is a client store that can read every client it holds.
type Scanner interface {
	// ScanClients calls fn with every stored client, in client_id order,
	// one record at a time; a record that does not decode is passed with
	// Err set, not returned as an error. It stops at, and returns, the
	// first error of fn. An error of the store itself (sdk.ErrUnavailable,
	// a done context) is returned as is.
	ScanClients(ctx context.Context, fn func(Record) error) error
}

// Remover is a client store that can remove a client without reading it.
type Remover interface {
	// RemoveClient deletes the client stored under clientID whatever its
	// revision, without decoding it, so a record that no longer decodes
	// can be removed too. sdk.ErrNotFound when there is no such client.
	RemoveClient(ctx context.Context, clientID string) error
}

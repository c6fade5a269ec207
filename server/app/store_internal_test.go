package app

import (
	"context"
	"errors"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/storetest"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

// TestComposedStoreConformance: clients in one store, initial access tokens
// and jtis in others pass the whole conformance suite.
func TestComposedStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) sdk.Store {
		tokens := memory.New()
		return composed{memory.New(), tokens, tokens}
	})
}

// TestComposedStoreRouting: each call reaches the store of its part, and
// only that one.
func TestComposedStoreRouting(t *testing.T) {
	clients, tokens, jtis := memory.New(), memory.New(), memory.New()
	s := composed{clients, tokens, jtis}
	ctx := t.Context()
	if _, err := s.Create(ctx, storetest.SampleClient("c1")); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(ctx, storetest.SampleToken("t1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkJTIUsed(ctx, "iss\x00jti", 2_000_000_000, 1_700_000_000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"client in the client store", get(clients.Get(ctx, "c1")), nil},
		{"client not in the token store", get(tokens.Get(ctx, "c1")), sdk.ErrNotFound},
		{"token in the token store", get(tokens.GetToken(ctx, tok.Hash)), nil},
		{"token not in the client store", get(clients.GetToken(ctx, tok.Hash)), sdk.ErrNotFound},
		{"jti in the jti store", jtis.MarkJTIUsed(ctx, "iss\x00jti", 2_000_000_000, 1_700_000_000), sdk.ErrAlreadyExists},
		{"jti not in the token store", tokens.MarkJTIUsed(ctx, "iss\x00jti", 2_000_000_000, 1_700_000_000), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil && tc.err != nil || tc.want != nil && !errors.Is(tc.err, tc.want) {
				t.Fatalf("got %v, want %v", tc.err, tc.want)
			}
		})
	}
}

func get[T any](_ T, err error) error { return err }

// sickStore is a part whose Health fails.
type sickStore struct{ *memory.Store }

var errSick = errors.New("sick")

func (sickStore) Health(context.Context) error { return errSick }

// TestComposedStoreHealth: the composed store is healthy when every part
// is.
func TestComposedStoreHealth(t *testing.T) {
	well := memory.New()
	sick := sickStore{memory.New()}
	for _, tc := range []struct {
		name string
		s    composed
		want error
	}{
		{"all well", composed{well, well, well}, nil},
		{"clients sick", composed{sick, well, well}, errSick},
		{"tokens sick", composed{well, sick, well}, errSick},
		{"jtis sick", composed{well, well, sick}, errSick},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Health(t.Context()); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Health = %v, want %v", err, tc.want)
			}
		})
	}
}

// countingStore counts its Health calls.
type countingStore struct {
	*memory.Store
	calls *int
}

func (c countingStore) Health(ctx context.Context) error { *c.calls++; return c.Store.Health(ctx) }

// TestComposedStoreHealthOncePerStore: tokens and jtis kept by one store
// are checked once; distinct stores each once.
func TestComposedStoreHealthOncePerStore(t *testing.T) {
	var clientCalls, tokenCalls int
	clients := countingStore{memory.New(), &clientCalls}
	tokens := &countingStore{memory.New(), &tokenCalls}
	if err := (composed{clients, tokens, tokens}).Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if clientCalls != 1 || tokenCalls != 1 {
		t.Fatalf("Health calls: clients %d, tokens %d; want 1 and 1", clientCalls, tokenCalls)
	}
	if !sameStore(tokens, tokens) || sameStore(clients, clients) || sameStore(nil, tokens) {
		t.Error("sameStore: pointers only, never values")
	}
}

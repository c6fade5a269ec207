package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/registrar-dcr/registrar/sdk/storetest"
)

// BenchmarkCreate measures Create from parallel goroutines, each creating
// distinct clients (SampleClient records, about 3 KB of JSON each), against
// FerretDB or the MongoDB of MONGODB_URI.
func BenchmarkCreate(b *testing.B) {
	srv := newServer(b)
	s, _ := srv.open(b, nil)
	ctx := context.Background()
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := storetest.SampleClient(fmt.Sprintf("bench-%d", seq.Add(1)))
			if _, err := s.Create(ctx, c); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

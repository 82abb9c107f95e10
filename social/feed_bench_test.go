package social

import (
	"context"
	"fmt"
	"kurz/catalog/catalogtest"
	"kurz/cell"
	"testing"
)

// Micro-benchmark of the For You ranking.
// Run: go test -run '^$' -bench . -benchmem -count 6 ./social | benchstat -

// BenchmarkForYouRank is one For You page for an anonymous viewer: the
// ranking of the 1,000 candidates (no database reads).
func BenchmarkForYouRank(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := &Service{Cell: &cell.Cell{Region: "eu", Index: catalogtest.Synthetic(n)}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.ForYou(ctx, nil, "", 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

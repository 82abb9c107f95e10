package search

import (
	"context"
	"slices"
	"testing"
)

// TestStopDropsABuild: when the index's work is stopped (the region
// closes) during a build, the build is dropped at once and what searches
// use is left as it was.
func TestStopDropsABuild(t *testing.T) {
	t.Parallel()
	docs := map[string][]string{"a": {"kayak"}, "b": {"kayak", "river"}}
	tr := newTiers(1, func(id string) ([][]string, bool) {
		d, ok := docs[id]
		return [][]string{d}, ok
	}, func() []string { return []string{"a", "b"} }, func(id string) float64 { return float64(len(docs[id])) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr.rebuildBase(ctx)
	if tr.built() {
		t.Fatal("a stopped build was swapped in")
	}
	tr.rebuildBase(context.Background())
	q := plan{words: []string{"kayak"}, fields: []field{{0, commonWord}}}
	if ids, _ := tr.search(q, 0, 10); !slices.Equal(ids, []string{"b", "a"}) {
		t.Fatalf("found %v, want the most popular first", ids)
	}
	docs["c"] = []string{"kayak"}
	tr.apply(ctx, map[string]bool{"c": true})
	if ids, _ := tr.search(q, 0, 10); !slices.Equal(ids, []string{"b", "a"}) {
		t.Fatalf("after a stopped change: %v", ids)
	}
}

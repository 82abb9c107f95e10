package search

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
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

// TestBaseRebuiltInTheBackground: when more has changed than the delta
// is for, the base is rebuilt in the background while changes keep being
// found at each flush; afterwards every document is found once, in its
// current form.
func TestBaseRebuiltInTheBackground(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	docs := map[string][]string{"a": {"kayak", "old"}}
	tr := newTiers(1, func(id string) ([][]string, bool) {
		mu.Lock()
		defer mu.Unlock()
		d, ok := docs[id]
		return [][]string{d}, ok
	}, func() []string {
		mu.Lock()
		defer mu.Unlock()
		var ids []string
		for id := range docs {
			ids = append(ids, id)
		}
		return ids
	}, func(string) float64 { return 0 })
	tr.rebuildBase(context.Background())
	changes := map[string]bool{}
	mu.Lock()
	for i := range minRebuild + 1 {
		id := fmt.Sprint("v", i)
		docs[id], changes[id] = []string{"kayak"}, true
	}
	mu.Unlock()
	tr.apply(context.Background(), changes) // begins a background build
	mu.Lock()
	docs["a"] = []string{"kayak", "new"}
	mu.Unlock()
	tr.apply(context.Background(), map[string]bool{"a": true}) // a change while it runs
	if ids, _ := tr.search(plan{words: []string{"new"}, fields: []field{{0, 0}}}, 0, 10); !slices.Equal(ids, []string{"a"}) {
		t.Fatalf("a change during the build: found %v", ids)
	}
	for {
		tr.mu.RLock()
		done := tr.late == nil
		tr.mu.RUnlock()
		if done {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(tr.base.ids) != minRebuild+2 {
		t.Fatalf("the new base holds %d documents", len(tr.base.ids))
	}
	for _, w := range []string{"new", "old"} {
		ids, _ := tr.search(plan{words: []string{w}, fields: []field{{0, 0}}}, 0, 10)
		if want := map[string]int{"new": 1, "old": 0}[w]; len(ids) != want {
			t.Fatalf("%q found %v after the build", w, ids)
		}
	}
	seen := map[string]bool{}
	for from := 0; ; from += 50 {
		ids, more := tr.search(plan{words: []string{"kayak"}, fields: []field{{0, 0}}}, from, 50)
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s found twice", id)
			}
			seen[id] = true
		}
		if !more {
			break
		}
	}
}

// TestEditAutomaton: edits are counted in letters, also outside ASCII.
func TestEditAutomaton(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w, in string
		k     uint8
		match bool
		dist  uint8
	}{
		{"sunsetbeach", "sunsetbeach", 2, true, 0},
		{"sunsetbeach", "sunsetbaech", 2, true, 2},
		{"lighthouse", "lighthose", 1, true, 1},
		{"lighthouse", "lihthose", 1, false, 2},
		{"café", "cafe", 1, true, 1},
		{"ölfeld", "olfeld", 1, true, 1},
		{"ölfeld", "ölfeldx", 1, true, 1},
		{"日本語です", "日本話です", 1, true, 1},
		{"kayak", "", 1, false, 2},
	} {
		a := newEditAutomaton(tc.w, tc.k)
		a.reset()
		if m, d := a.MatchAndDistance(tc.in); m != tc.match || d != tc.dist {
			t.Errorf("%q ~ %q (k %d): match %v distance %d, want %v %d", tc.w, tc.in, tc.k, m, d, tc.match, tc.dist)
		}
	}
}

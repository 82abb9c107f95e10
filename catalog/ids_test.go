package catalog

import (
	"slices"
	"testing"
	"time"
)

// TestIDsClash: two videos whose IDs hash alike (forced here) are both
// found, listed and removed on their own. Not parallel: it swaps the
// package's hash.
func TestIDsClash(t *testing.T) {
	saved := idHash
	idHash = func(string) uint64 { return 7 }
	defer func() { idHash = saved }()
	x := NewIndex()
	at := time.Now()
	for i, id := range []string{"eu_a", "eu_b", "eu_c"} {
		x.PutVideo(&PublicVideo{ID: id, OwnerID: "eu_o", Caption: id, CreatedAt: at.Add(time.Duration(i) * time.Second)})
	}
	for _, id := range []string{"eu_a", "eu_b", "eu_c"} {
		if v, ok := x.Video(id); !ok || v.ID != id || v.Caption != id {
			t.Fatalf("Video(%s) = %+v, %v", id, v, ok)
		}
	}
	if got := x.IDs(); x.Len() != 3 || !slices.Contains(got, "eu_b") || len(got) != 3 {
		t.Fatalf("IDs = %v, Len %d", got, x.Len())
	}
	x.RemoveVideo("eu_a") // the one filed by hash: the others stay
	if _, ok := x.Video("eu_a"); ok {
		t.Fatal("a removed video is found")
	}
	for _, id := range []string{"eu_b", "eu_c"} {
		if v, ok := x.Video(id); !ok || v.ID != id {
			t.Fatalf("after the removal, Video(%s) = %+v, %v", id, v, ok)
		}
	}
	x.PutVideo(&PublicVideo{ID: "eu_b", OwnerID: "eu_o", Caption: "new", CreatedAt: at})
	if v, _ := x.Video("eu_b"); v.Caption != "new" || x.Len() != 2 {
		t.Fatalf("a clashing video put again: %+v, Len %d", v, x.Len())
	}
}

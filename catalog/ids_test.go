package catalog

import (
	"bytes"
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
	// Loaded from a snapshot into an empty catalogue (the map of IDs
	// built in one go): every one found too.
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, SnapshotMeta{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	y := NewIndex()
	y.BeginBulk()
	if _, err := y.LoadSnapshot(buf.Bytes(), func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	y.EndBulk()
	for _, id := range []string{"eu_a", "eu_b", "eu_c"} {
		if v, ok := y.Video(id); !ok || v.ID != id || v.Caption != id || y.Len() != 3 {
			t.Fatalf("loaded: Video(%s) = %+v, %v, Len %d", id, v, ok, y.Len())
		}
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

// TestSnapshotIDTwice: a snapshot that holds an ID twice (not one a
// catalogue writes; made here by listing a slot twice) loads the later
// version only, in every list.
func TestSnapshotIDTwice(t *testing.T) {
	t.Parallel()
	x := NewIndex()
	x.PutVideo(&PublicVideo{ID: "eu_a", OwnerID: "eu_o", Hashtags: []string{"t"}, CreatedAt: time.Now()})
	x.all = append(x.all, x.all[0])
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, SnapshotMeta{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	y := NewIndex()
	y.BeginBulk()
	if _, err := y.LoadSnapshot(buf.Bytes(), func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	y.EndBulk()
	if y.Len() != 1 || len(y.OwnerVideos("eu_o", nil, 10)) != 1 || y.TagCount("t") != 1 || len(y.Newest(nil, 10, 10, nil)) != 1 {
		t.Fatalf("an ID twice: Len %d, owner %d, tag %d", y.Len(), len(y.OwnerVideos("eu_o", nil, 10)), y.TagCount("t"))
	}
}

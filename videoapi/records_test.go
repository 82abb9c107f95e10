package videoapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"kurz/catalog"
	"kurz/video"
)

// TestRecordCache: a catalogue video's record from the cache is the very
// bytes json.Encoder writes for it, with each viewer's own marks, and a
// new version of the video (a new catalogue entry) is encoded anew.
func TestRecordCache(t *testing.T) {
	t.Parallel()
	var c recordCache
	x := catalog.NewIndex()
	x.PutVideo(&catalog.PublicVideo{ID: "eu_v1", OwnerID: "eu_o", Caption: "first"})
	pv, _ := x.Video("eu_v1")
	rec := func(caption string, liked, following bool) *video.VideoJSON {
		v := &video.VideoJSON{ID: "eu_v1", Status: "ready", Visibility: "public", Caption: caption, Hashtags: []string{"a<b"},
			Likes: 3, CreatedAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Liked: liked, Following: following}
		v.Creator.Handle = "alice"
		return v
	}
	want := func(v *video.VideoJSON) []byte {
		var b bytes.Buffer
		json.NewEncoder(&b).Encode(v)
		return b.Bytes()
	}
	for _, m := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		v := rec(`"liked":false,"following":false} <&>`, m[0], m[1])
		if got := c.encode(pv, v); !bytes.Equal(got, want(v)) {
			t.Fatalf("marks %v: got %s, want %s", m, got, want(v))
		}
	}
	// The same version, looked up again, is answered from the cache.
	again, _ := x.Video("eu_v1")
	if got := c.encode(again, rec("not encoded", false, false)); bytes.Contains(got, []byte("not encoded")) {
		t.Fatalf("the same version encoded again: %s", got)
	}
	x.PutVideo(&catalog.PublicVideo{ID: "eu_v1", OwnerID: "eu_o", Caption: "changed"})
	next, _ := x.Video("eu_v1")
	v := rec("changed", true, false)
	if got := c.encode(next, v); !bytes.Equal(got, want(v)) {
		t.Fatalf("a new version: got %s, want %s", got, want(v))
	}
}

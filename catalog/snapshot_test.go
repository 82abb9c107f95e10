package catalog_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/catalog/catalogtest"
)

// TestSnapshotRoundTrip: a catalogue written to a snapshot and read back
// holds the same videos, profiles and lists; a damaged snapshot is
// refused; keep filters by ID.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	owners := []string{kurz.NewID("eu"), kurz.NewID("us")}
	x := catalog.NewIndex()
	now := time.Now().UTC()
	for i := range 500 {
		v := catalogtest.Video(rng, i, now, owners)
		r, _ := kurz.ParseID(v.OwnerID)
		v.ID = kurz.NewID(r)
		v.Label, v.Reduced, v.AgeRestricted, v.Partial = "l", i%2 == 0, i%3 == 0, i%7 == 0
		if i%4 == 0 {
			v.Countries = []string{"DE", "FR"}
			v.Sound, v.RemixKind, v.RemixOf, v.Allow, v.Avatar = "eu_sound", "duet", "eu_source", 5, "0123456789abcdef"
		}
		if i%5 == 0 {
			v.SoundName, v.AudioPrint, v.SoundBlocked = "tune ♪", "AQIDBA", i%10 == 0
		}
		x.PutVideo(v)
	}
	for _, o := range owners {
		x.PutProfile(&catalog.PublicProfile{ID: o, Handle: "h" + o, DisplayName: "D", Bio: "b", Private: true, Followers: 3, Following: 4, Avatar: "fedcba9876543210"})
	}
	var buf bytes.Buffer
	meta := catalog.SnapshotMeta{Region: "eu", OwnSeq: 42, Peers: map[string]int64{"us": 7}}
	if err := x.WriteSnapshot(&buf, meta); err != nil {
		t.Fatal(err)
	}
	y := catalog.NewIndex()
	y.BeginBulk()
	got, err := y.LoadSnapshot(buf.Bytes(), func(string) bool { return true })
	y.EndBulk()
	if err != nil || !reflect.DeepEqual(got, meta) {
		t.Fatalf("meta %+v, %v", got, err)
	}
	if x.Len() != y.Len() {
		t.Fatalf("videos: %d, want %d", y.Len(), x.Len())
	}
	for _, o := range owners {
		a, b := x.OwnerVideos(o, nil, 1000), y.OwnerVideos(o, nil, 1000)
		if len(a) != len(b) {
			t.Fatalf("owner list %d != %d", len(b), len(a))
		}
		for i := range a {
			if !reflect.DeepEqual(catalog.Unversioned(a[i]), catalog.Unversioned(b[i])) {
				t.Fatalf("video %d:\n%+v\n%+v", i, *a[i], *b[i])
			}
		}
		pa, _ := x.Profile(o)
		pb, _ := y.Profile(o)
		if !reflect.DeepEqual(pa, pb) {
			t.Fatalf("profile %+v != %+v", pb, pa)
		}
	}
	// The sound lists: a sound taken by others, and a video's own.
	sounds := []string{"eu_sound"}
	for _, v := range x.Videos() {
		if v.Sound == "" && len(sounds) < 3 {
			sounds = append(sounds, v.ID)
		}
	}
	for _, sound := range sounds {
		a, b := x.SoundVideos(sound, nil, 1000), y.SoundVideos(sound, nil, 1000)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("sound %s lists %d videos after loading, %d before", sound, len(b), len(a))
		}
		for i := range a {
			if a[i].ID != b[i].ID {
				t.Fatalf("sound %s: %s at %d, want %s", sound, b[i].ID, i, a[i].ID)
			}
		}
	}
	// keep: only eu's objects.
	z := catalog.NewIndex()
	if _, err := z.LoadSnapshot(buf.Bytes(), func(id string) bool { r, _ := kurz.ParseID(id); return r == "eu" }); err != nil {
		t.Fatal(err)
	}
	if _, ok := z.Profile(owners[1]); ok || len(z.OwnerVideos(owners[1], nil, 10)) != 0 || len(z.OwnerVideos(owners[0], nil, 10)) == 0 {
		t.Fatal("keep did not filter by region")
	}
	// RemoveRegion drops a region's objects, from the sound lists too, and
	// tells the watcher (the search index) of each.
	removed := 0
	y.Watch(func(c catalog.Change) {
		if c.Removed {
			removed++
		}
	})
	usVideos := len(y.OwnerVideos(owners[1], nil, 1000))
	y.RemoveRegion("us")
	if _, ok := y.Profile(owners[1]); ok || len(y.OwnerVideos(owners[1], nil, 10)) != 0 || y.Len() != len(x.OwnerVideos(owners[0], nil, 1000)) {
		t.Fatal("RemoveRegion left us objects")
	}
	for _, v := range y.SoundVideos("eu_sound", nil, 1000) {
		if v.OwnerID == owners[1] {
			t.Fatalf("RemoveRegion left %s on a sound's list", v.ID)
		}
	}
	if usVideos == 0 || removed != usVideos {
		t.Fatalf("the watcher heard of %d removals, want %d", removed, usVideos)
	}
	// A flipped byte is refused.
	b := bytes.Clone(buf.Bytes())
	b[len(b)/2] ^= 1
	if _, err := catalog.NewIndex().LoadSnapshot(b, func(string) bool { return true }); !errors.Is(err, catalog.ErrSnapshot) {
		t.Fatalf("damaged snapshot: %v", err)
	}
}

// TestBulkLoadReplaces: during a load, later versions replace earlier
// ones and removals remove, in every list, as outside a load.
func TestBulkLoadReplaces(t *testing.T) {
	t.Parallel()
	owner := kurz.NewID("eu")
	now := time.Now()
	x := catalog.NewIndex()
	x.BeginBulk()
	a := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: owner, Hashtags: []string{"x"}, CreatedAt: now}
	b := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: owner, Hashtags: []string{"x"}, CreatedAt: now.Add(time.Second)}
	x.PutVideo(a)
	x.PutVideo(b)
	a2 := *a
	a2.Likes, a2.Hashtags = 5, []string{"y"}
	x.PutVideo(&a2)
	x.RemoveVideo(b.ID)
	x.EndBulk()
	if l := x.OwnerVideos(owner, nil, 10); len(l) != 1 || l[0].Likes != 5 {
		t.Fatalf("owner list after a bulk load: %+v", l)
	}
	if l := x.TagVideos("x", nil, 10); len(l) != 0 {
		t.Fatalf("tag x keeps %d replaced or removed videos", len(l))
	}
	if l := x.TagVideos("y", nil, 10); len(l) != 1 || x.Len() != 1 {
		t.Fatalf("tag y: %d, len %d", len(l), x.Len())
	}
}

// TestSnapshotStream: a snapshot read as a stream keeps nothing of what
// it was read from (the buffer overwritten after the load leaves the
// catalogue intact), reads records longer than its window and records
// that cross window boundaries, refuses a snapshot cut short anywhere
// (nothing half-decoded, no panic), and loads nothing when its meta is
// declined.
func TestSnapshotStream(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	owners := []string{kurz.NewID("eu"), kurz.NewID("eu")}
	x := catalog.NewIndex()
	now := time.Now().UTC()
	long := strings.Repeat("long caption ✂ ", 150_000) // over 2 MiB: longer than the window
	want := map[string]catalog.PublicVideo{}
	for i := range 3000 {
		v := catalogtest.Video(rng, i, now, owners)
		v.Caption = fmt.Sprintf("clip %d %s", i, strings.Repeat("x", i%700))
		if i == 1500 {
			v.Caption = long
		}
		if i%7 == 0 {
			v.Countries, v.Label = []string{"DE"}, "label"
		}
		x.PutVideo(v)
		want[v.ID] = *v
	}
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, catalog.SnapshotMeta{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	b := bytes.Clone(buf.Bytes())
	y := catalog.NewIndex()
	y.BeginBulk()
	if _, err := y.LoadSnapshot(b, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	y.EndBulk()
	for i := range b {
		b[i] = 'Z'
	}
	if y.Len() != len(want) {
		t.Fatalf("%d videos, want %d", y.Len(), len(want))
	}
	for id, w := range want {
		got, ok := y.Video(id)
		if !ok || !reflect.DeepEqual(catalog.Unversioned(got), catalog.Unversioned(&w)) {
			t.Fatalf("video %s after the load's buffer was overwritten:\n got %+v\nwant %+v", id, got, w)
		}
	}
	if l := y.TagVideos(want[firstID(want)].Hashtags[0], nil, 1); len(l) != 1 {
		t.Fatal("tag list empty")
	}
	// Cut short at points spread over the file: refused, never a panic.
	full := buf.Bytes()
	for _, n := range []int{0, 5, len(full) / 3, len(full) / 2, len(full) - 5, len(full) - 1} {
		z := catalog.NewIndex()
		z.BeginBulk()
		_, err := z.LoadSnapshot(full[:n], func(string) bool { return true })
		z.EndBulk()
		if !errors.Is(err, catalog.ErrSnapshot) {
			t.Fatalf("snapshot cut at %d of %d: %v", n, len(full), err)
		}
	}
	// Declined by its meta: nothing loaded.
	z := catalog.NewIndex()
	m, loaded, err := z.ReadSnapshot(bytes.NewReader(full), int64(len(full)), func(m catalog.SnapshotMeta) func(string) bool { return nil })
	if err != nil || loaded || m.Region != "eu" || z.Len() != 0 {
		t.Fatalf("declined snapshot: %v %v %+v, %d videos", err, loaded, m, z.Len())
	}
}

func firstID(m map[string]catalog.PublicVideo) string {
	for id := range m {
		return id
	}
	return ""
}

// TestSnapshotOldFormat: a snapshot of the format before (version 4, its
// sum intact) is refused before its meta is looked at, so a start
// rebuilds the catalogue from the log (replication's loadSnapshot: "not
// used"), and nothing of it is loaded.
func TestSnapshotOldFormat(t *testing.T) {
	t.Parallel()
	x := catalog.NewIndex()
	x.PutVideo(&catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: kurz.NewID("eu"), Hashtags: []string{"a"}, CreatedAt: time.Now()})
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, catalog.SnapshotMeta{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b[7] = 4 // "kurzcat\x04"
	binary.BigEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
	y := catalog.NewIndex()
	y.BeginBulk()
	asked := false
	_, loaded, err := y.ReadSnapshot(bytes.NewReader(b), int64(len(b)), func(catalog.SnapshotMeta) func(string) bool {
		asked = true
		return func(string) bool { return true }
	})
	y.EndBulk()
	if !errors.Is(err, catalog.ErrSnapshot) || loaded || asked || y.Len() != 0 {
		t.Fatalf("old format: err %v, loaded %v, meta looked at %v, %d videos", err, loaded, asked, y.Len())
	}
}

// TestSnapshotIntoLoaded: a snapshot loaded in bulk into a catalogue that
// already holds videos (put one by one, not decoded into records) replaces
// the versions held and keeps the others, in every list.
func TestSnapshotIntoLoaded(t *testing.T) {
	t.Parallel()
	owner, now := kurz.NewID("eu"), time.Now().UTC()
	a := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: owner, Hashtags: []string{"x"}, CreatedAt: now, Likes: 9}
	b := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: owner, Hashtags: []string{"y"}, CreatedAt: now.Add(time.Second),
		Countries: []string{"DE"}, Label: "l"}
	x := catalog.NewIndex()
	x.PutVideo(a)
	x.PutVideo(b)
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, catalog.SnapshotMeta{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	y := catalog.NewIndex()
	old, other := *a, &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: owner, CreatedAt: now.Add(-time.Hour)}
	old.Likes, old.Hashtags = 1, []string{"z"}
	y.PutVideo(&old)
	y.PutVideo(other)
	y.BeginBulk()
	if _, err := y.LoadSnapshot(buf.Bytes(), func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	y.EndBulk()
	l := y.OwnerVideos(owner, nil, 10)
	if len(l) != 3 || l[0].ID != b.ID || l[1].ID != a.ID || l[1].Likes != 9 || l[2].ID != other.ID || l[0].Label != "l" || l[0].Countries[0] != "DE" {
		t.Fatalf("owner list after loading over a catalogue: %+v", l)
	}
	if y.TagCount("z") != 0 || y.TagCount("x") != 1 || y.TagCount("y") != 1 || y.Len() != 3 {
		t.Fatalf("tags z %d x %d y %d, %d videos", y.TagCount("z"), y.TagCount("x"), y.TagCount("y"), y.Len())
	}
}

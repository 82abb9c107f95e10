package catalog

import (
	"testing"
	"time"

	"kurz"
)

// TestMatchSound: an upload's print finds the sound of the same audio
// (a few bits off, shifted), never its own video, not a different one;
// a replaced or removed video's print is gone; a "use this sound"
// video's print is not filed (its sound is another's).
func TestMatchSound(t *testing.T) {
	t.Parallel()
	seq := func(seed uint32, n int) kurz.AudioPrint {
		out := make(kurz.AudioPrint, n)
		x := seed
		for i := range out {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			out[i] = x
		}
		return out
	}
	x := NewIndex()
	song, other := seq(1, 160), seq(2, 160)
	put := func(id string, p kurz.AudioPrint, sound string) {
		x.PutVideo(&PublicVideo{ID: id, OwnerID: "eu_o", AudioPrint: p.String(), Sound: sound, CreatedAt: time.Unix(1, 0)})
	}
	put("us_song", song, "")
	put("us_other", other, "")
	// Re-encoded: a bit off in every fifth value, and starting 3 values later.
	again := append(kurz.AudioPrint{}, song[3:]...)
	for i := range again {
		if i%5 == 0 {
			again[i] ^= 1 << (i % 32)
		}
	}
	if id, ok := x.MatchSound(again, "eu_new"); !ok || id != "us_song" {
		t.Fatalf("MatchSound(re-encoded song) = %q, %v; want us_song", id, ok)
	}
	if id, ok := x.MatchSound(song, "us_song"); ok {
		t.Fatalf("a video matched its own sound: %q", id)
	}
	if id, ok := x.MatchSound(seq(3, 160), ""); ok {
		t.Fatalf("other audio matched %q", id)
	}
	// A remix using us_song's sound carries no print of its own.
	put("sg_remix", song, "us_song")
	x.RemoveVideo("us_song")
	if id, ok := x.MatchSound(again, ""); ok {
		t.Fatalf("a removed sound still matched (%q)", id)
	}
	put("us_other", song, "") // replaced: now the song
	if id, ok := x.MatchSound(again, ""); !ok || id != "us_other" {
		t.Fatalf("after replacing, MatchSound = %q, %v", id, ok)
	}
	if _, ok := x.MatchSound(other, ""); ok {
		t.Fatal("the replaced print still matched")
	}
	x.RemoveRegion("us")
	if _, ok := x.MatchSound(again, ""); ok {
		t.Fatal("a detached region's sound still matched")
	}
}

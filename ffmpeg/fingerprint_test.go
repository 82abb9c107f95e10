package ffmpeg

import (
	"path/filepath"
	"testing"

	"kurz/internal/mediatest"
)

// TestFingerprintMatch: a blocked clip is found behind an intro, before
// an outro, re-encoded smaller and sped up; an unrelated clip is not.
func TestFingerprintMatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", p("blocked.mp4"))
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "mandelbrot=s=180x320:r=30", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", p("intro.mp4"))
	join := func(out string, ins ...string) {
		args := []string{}
		graph := ""
		for i, in := range ins {
			args = append(args, "-i", p(in))
			graph += "[" + string(rune('0'+i)) + ":v]scale=180:320,setsar=1[v" + string(rune('0'+i)) + "];"
		}
		for i := range ins {
			graph += "[v" + string(rune('0'+i)) + "]"
		}
		graph += "concat=n=" + string(rune('0'+len(ins))) + ":v=1:a=0[out]"
		mediatest.FFmpeg(t, append(args, "-filter_complex", graph, "-map", "[out]", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "200k", p(out))...)
	}
	join("padded.mp4", "intro.mp4", "blocked.mp4")
	join("outro.mp4", "blocked.mp4", "intro.mp4")
	mediatest.FFmpeg(t, "-i", p("blocked.mp4"), "-vf", "scale=120:214", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "100k", p("small.mkv"))
	mediatest.FFmpeg(t, "-i", p("blocked.mp4"), "-vf", "setpts=PTS/1.25", "-c:v", "libx264", "-preset", "veryfast", p("fast.mp4"))
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "life=s=180x320:r=30:mold=10:ratio=0.5:death_color=#203040:life_color=#f0e0a0", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", p("other.mp4"))

	r := &Runner{}
	fp := func(name string) Fingerprint {
		info := must(r.Probe(t.Context(), p(name)))
		f := must(r.Fingerprint(t.Context(), p(name), info))
		if got, want := len(f), int(info.Duration.Seconds()*FingerprintRate); got < want-1 || got > want+2 {
			t.Fatalf("%s: %d frame hashes for %v, want about %d", name, got, info.Duration, want)
		}
		return f
	}
	blocked := fp("blocked.mp4")
	// Stored and read back, as the block list does.
	blocked = ParseFingerprint(blocked.String())
	for _, c := range []struct {
		name string
		want bool
	}{{"padded.mp4", true}, {"outro.mp4", true}, {"small.mkv", true}, {"fast.mp4", true}, {"other.mp4", false}, {"intro.mp4", false}} {
		f := fp(c.name)
		t.Logf("%s: %d of %d blocked frames found in order", c.name, MatchedFrames(blocked, f), len(blocked.informative()))
		if got := Match(blocked, f); got != c.want {
			t.Errorf("Match(blocked, %s) = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestMatchRules: the decision on hand-made fingerprints.
func TestMatchRules(t *testing.T) {
	t.Parallel()
	seq := func(seed uint64, n int) Fingerprint {
		out := make(Fingerprint, n)
		x := seed
		for i := range out {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			out[i] = x
		}
		return out
	}
	b := seq(1, 40)
	other := seq(2, 200)
	cat := func(fs ...Fingerprint) (out Fingerprint) {
		for _, f := range fs {
			out = append(out, f...)
		}
		return out
	}
	// Every second frame dropped: a 2× speed-up keeps half.
	var half Fingerprint
	for i := 0; i < len(b); i += 2 {
		half = append(half, b[i]^0b1011) // and 3 bits changed
	}
	flat := make(Fingerprint, 100)
	for _, c := range []struct {
		name string
		up   Fingerprint
		want bool
	}{
		{"same", b, true},
		{"intro and outro", cat(other[:100], b, other[100:]), true},
		{"2x faster, 3 bits off", cat(other[:20], half), true},
		{"a third of it", cat(other[:50], b[:13], other[50:]), false},
		{"excerpt of 6 s", b[10:34], true},
		{"excerpt of 3 s", b[10:22], false},
		{"unrelated", other, false},
		{"flat frames only", flat, false},
		{"reversed", func() (r Fingerprint) {
			for i := len(b) - 1; i >= 0; i-- {
				r = append(r, b[i])
			}
			return r
		}(), false},
	} {
		if got := Match(b, c.up); got != c.want {
			t.Errorf("%s: Match = %v, want %v (%d frames found)", c.name, got, c.want, MatchedFrames(b, c.up))
		}
	}
	// A blocked clip of a few frames must be found whole but for one.
	short := b[:5]
	if !Match(short, cat(other[:30], short[:2], short[3:], other[30:])) || Match(short, cat(other[:30], short[:3], other[30:])) {
		t.Error("short blocked clip: one frame may be missing, not two")
	}
	// Flat frames never count, and a malformed stored form matches nothing.
	if Match(flat, flat) || len(ParseFingerprint("t4:zz")) != 0 || len(ParseFingerprint("t4:00ff")) != 0 {
		t.Error("flat or malformed fingerprints matched")
	}
	// The stored form of kurz before temporal fingerprints (five frames
	// at 10-90 %, no prefix) still reads.
	if got := ParseFingerprint(b[:5].String()[len(fingerprintPrefix):]); len(got) != 5 || got[4] != b[4] {
		t.Errorf("legacy form read as %v", got)
	}
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add("t4:0123456789abcdef")
	f.Add("00ff")
	f.Fuzz(func(t *testing.T, s string) {
		fp := ParseFingerprint(s)
		if len(fp) > 0 && ParseFingerprint(fp.String()).String() != fp.String() {
			t.Fatalf("round trip of %q", s)
		}
		Match(fp, fp)
	})
}

package ffmpeg

import (
	"path/filepath"
	"testing"

	"kurz/fingerprint"
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
	fp := func(name string) fingerprint.Fingerprint {
		info := must(r.Probe(t.Context(), p(name)))
		f := must(r.Fingerprint(t.Context(), p(name), info))
		if got, want := len(f), int(info.Duration.Seconds()*fingerprint.Rate); got < want-1 || got > want+2 {
			t.Fatalf("%s: %d frame hashes for %v, want about %d", name, got, info.Duration, want)
		}
		return f
	}
	blocked := fp("blocked.mp4")
	// Stored and read back, as the block list does.
	blocked = fingerprint.Parse(blocked.String())
	for _, c := range []struct {
		name string
		want bool
	}{{"padded.mp4", true}, {"outro.mp4", true}, {"small.mkv", true}, {"fast.mp4", true}, {"other.mp4", false}, {"intro.mp4", false}} {
		f := fp(c.name)
		t.Logf("%s: %d of %d blocked frames found in order", c.name, fingerprint.MatchedFrames(blocked, f), fingerprint.MatchedFrames(blocked, blocked))
		if got := fingerprint.Match(blocked, f); got != c.want {
			t.Errorf("Match(blocked, %s) = %v, want %v", c.name, got, c.want)
		}
	}
}

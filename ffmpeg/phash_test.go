package ffmpeg

import (
	"path/filepath"
	"testing"

	"kurz/internal/mediatest"
)

// TestPerceptualHash: a re-encode at another bitrate and resolution stays
// close; an unrelated clip is far.
func TestPerceptualHash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.mp4")
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=540x960:r=30:d=4", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", orig)
	copy := filepath.Join(dir, "copy.mkv")
	mediatest.FFmpeg(t, "-i", orig, "-vf", "scale=360:640", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "300k", copy)
	other := filepath.Join(dir, "other.mp4")
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "mandelbrot=s=540x960:r=30", "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", other)
	var r Runner
	hash := func(p string) []uint64 {
		info, err := r.Probe(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		h, err := r.PerceptualHash(t.Context(), p, info)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != HashFrames {
			t.Fatalf("%d frame hashes, want %d", len(h), HashFrames)
		}
		return h
	}
	a, b, c := hash(orig), hash(copy), hash(other)
	if d := HashDistance(a, b); d > 8 {
		t.Fatalf("re-encode distance %.1f, want <= 8", d)
	}
	if d := HashDistance(a, c); d < 16 {
		t.Fatalf("unrelated distance %.1f, want >= 16", d)
	}
	t.Logf("re-encode %.1f, unrelated %.1f", HashDistance(a, b), HashDistance(a, c))
}

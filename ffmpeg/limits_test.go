package ffmpeg

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kurz/fingerprint"
	"kurz/internal/mediatest"
)

// TestProbeCountsLyingDuration: a Matroska file of two hours of tiny
// frames whose header claims 5 seconds is refused by what its packets say,
// with a message naming both.
func TestProbeCountsLyingDuration(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "lie.mkv")
	mediatest.LyingMatroska(t, in, 7200, 5)
	r := &Runner{}
	// The header alone would pass: it claims 5 s.
	f := must(openInput(in, 0))
	defer f.Close()
	head := must(r.probeFile(t.Context(), f, r.Limits.WithDefaults()))
	if head.Duration > 6*time.Second {
		t.Fatalf("fixture header claims %v, want 5 s", head.Duration)
	}
	info, err := r.Probe(t.Context(), in)
	if info != nil {
		t.Fatalf("accepted: %+v", info)
	}
	mustReject(t, err, "video longer than 10 minutes (although the file claims 5 seconds)")
}

// TestProbeCountsFramesAndDuration: Info carries the counted frames and
// duration; limits on frames apply to the count.
func TestProbeCountsFramesAndDuration(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "in.mp4")
	mustClip(t, in, 64, 114, 2, true)
	info := must((&Runner{}).Probe(t.Context(), in))
	if info.Frames != 60 || info.Duration < 1900*time.Millisecond || info.Duration > 2200*time.Millisecond {
		t.Fatalf("Info = %+v, want 60 frames over about 2 s", info)
	}
	_, err := (&Runner{Limits: Limits{MaxFrames: 50}}).Probe(t.Context(), in)
	mustReject(t, err, "too many frames (more than 50)")
}

// TestProbeDecodedPixels: the decoders refuse pictures past MaxPixels
// whatever the container says (-max_pixels).
func TestProbeDecodedPixels(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "in.mkv")
	mustClip(t, in, 640, 480, 1, false)
	_, err := (&Runner{Limits: Limits{MaxPixels: 100 * 100}}).Probe(t.Context(), in)
	mustReject(t, err, "dimensions too large (640x480)")
}

// TestTranscodeTimeoutProportional: a transcode may take 2 minutes plus 4
// times the video's duration, within the configured cap.
func TestTranscodeTimeoutProportional(t *testing.T) {
	t.Parallel()
	r := &Runner{}
	for _, c := range []struct {
		d, want time.Duration
	}{{5 * time.Second, 2*time.Minute + 20*time.Second}, {time.Minute, 6 * time.Minute}, {10 * time.Minute, 20 * time.Minute}} {
		if got := r.TranscodeTimeout(&Info{Duration: c.d}); got != c.want {
			t.Errorf("TranscodeTimeout(%v) = %v, want %v", c.d, got, c.want)
		}
	}
}

// TestTranscodeStopsAtCountedDuration: whatever the timestamps do after
// counting, the decode stops at the counted duration plus a second and
// every output at the frames that fit in it.
func TestTranscodeStopsAtCountedDuration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	mustClip(t, in, 64, 114, 6, false)
	r := &Runner{}
	info := must(r.Probe(t.Context(), in))
	info.Duration = time.Second // as if the packets had been counted short
	outDir := t.TempDir()
	out := must(r.Transcode(t.Context(), in, info, outDir))
	if n := len(out.Fingerprint); n > 2*fingerprint.Rate+1 {
		t.Fatalf("fingerprint of %d frames: more than 2 s were decoded", n)
	}
	var total float64
	for _, l := range strings.Split(string(must(os.ReadFile(filepath.Join(outDir, out.Renditions[0].Playlist)))), "\n") {
		if v, ok := strings.CutPrefix(l, "#EXTINF:"); ok {
			total += must(strconv.ParseFloat(strings.TrimSuffix(v, ","), 64))
		}
	}
	if total == 0 || total > 2.1 {
		t.Fatalf("rendition of %.2f s from a 6 s input counted as 1 s", total)
	}
}

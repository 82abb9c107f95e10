package audioprint

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"kurz"
	"kurz/ffmpeg"
	"kurz/internal/mediatest"
)

// requireFpcalc fails in CI (scripts/setup.sh installs it) and skips
// elsewhere when Chromaprint's fpcalc is missing.
func requireFpcalc(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("fpcalc"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("fpcalc is required in CI (scripts/setup.sh installs libchromaprint-tools)")
		}
		t.Skip("fpcalc is not installed (apt-get install libchromaprint-tools)")
	}
}

// Tunes for the print tests: a melody with a beat and a pink noise bed
// (a), another melody over another noise (b).
const (
	tuneA = "aevalsrc='0.3*sin(2*PI*(330+110*floor(mod(t*4,4)))*t)+0.2*sin(2*PI*880*t)*lt(mod(t,0.5),0.1)':d=12:s=44100"
	tuneB = "aevalsrc='0.3*sin(2*PI*(300+200*sin(2*PI*0.5*t))*t)+0.2*sin(2*PI*1200*t)*gt(mod(t,1),0.5)':d=12:s=44100"
)

// TestAudioPrintMatch: the same audio re-encoded at another bitrate and
// volume, in another container with another picture, is the same sound;
// other audio (noise included) is not; silence and a steady tone give no
// print at all.
func TestAudioPrintMatch(t *testing.T) {
	t.Parallel()
	requireFpcalc(t)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	video := func(out, audio string, extra ...string) {
		args := []string{"-f", "lavfi", "-i", "testsrc2=s=180x320:r=15:d=12", "-f", "lavfi", "-i", audio, "-shortest",
			"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
		mediatest.FFmpeg(t, append(append(args, extra...), p(out))...)
	}
	video("a.mp4", tuneA+",volume=1", "-c:a", "aac", "-b:a", "192k")
	// The same audio, quieter, at a quarter of the bitrate, another picture and container.
	mediatest.FFmpeg(t, "-i", p("a.mp4"), "-f", "lavfi", "-i", "mandelbrot=s=180x320:r=15", "-map", "1:v", "-map", "0:a", "-t", "12",
		"-af", "volume=0.4", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "48k", p("a-again.mkv"))
	// The same audio as MP3, louder.
	mediatest.FFmpeg(t, "-i", p("a.mp4"), "-map", "0:v", "-map", "0:a", "-af", "volume=1.8", "-c:v", "copy", "-c:a", "libmp3lame", "-b:a", "96k", p("a-mp3.mp4"))
	video("b.mp4", tuneB, "-c:a", "aac")
	video("noise.mp4", "anoisesrc=d=12:c=pink:a=0.3:seed=9", "-c:a", "aac")
	video("silence.mp4", "anullsrc=d=12", "-c:a", "aac")
	video("tone.mp4", "sine=f=440:d=12", "-c:a", "aac")

	r := &ffmpeg.Runner{}
	print := func(name string) kurz.AudioPrint {
		info := must(r.Probe(t.Context(), p(name)))
		return kurz.AudioPrint(must(Of(t.Context(), r, p(name), info, dir)))
	}
	a := print("a.mp4")
	if len(a) < 60 {
		t.Fatalf("print of 12 s of audio has %d values, want about 75", len(a))
	}
	// Stored and read back, as the sound record carries it.
	if b := kurz.ParseAudioPrint(a.String()); !slices.Equal(a, b) {
		t.Fatal("a print does not survive its stored form")
	}
	for _, c := range []struct {
		name string
		want bool
	}{{"a-again.mkv", true}, {"a-mp3.mp4", true}, {"b.mp4", false}, {"noise.mp4", false}} {
		got := print(c.name)
		t.Logf("%s: %.3f of bits differ", c.name, kurz.BitErrors(a, got))
		if kurz.SameSound(a, got) != c.want {
			t.Errorf("SameSound(a, %s) = %v, want %v (bit errors %.3f, threshold %.2f)", c.name, !c.want, c.want, kurz.BitErrors(a, got), kurz.SoundMaxBitErrors)
		}
	}
	for _, name := range []string{"silence.mp4", "tone.mp4"} {
		if got := print(name); got != nil {
			t.Errorf("%s has a print of %d values; silence and a steady tone have none", name, len(got))
		}
	}
	// Nor has audio too short to match (2 s).
	video("short.mp4", tuneA+",atrim=duration=2", "-c:a", "aac")
	if got := print("short.mp4"); got != nil {
		t.Errorf("2 s of audio have a print of %d values", len(got))
	}
	// A video without audio has none either.
	mediatest.Clip(t, p("mute.mp4"), 180, 320, 2, false)
	if got := print("mute.mp4"); got != nil {
		t.Errorf("a video without audio has a print")
	}
}

// must returns v or panics on err; for test fixtures only.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

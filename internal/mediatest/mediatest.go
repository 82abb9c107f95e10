// Package mediatest generates real media for tests with the OS's ffmpeg.
// Without ffmpeg, tests fail when CI is set and skip otherwise.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"testing"
)

// FFmpeg runs ffmpeg with args (quiet, overwriting outputs).
func FFmpeg(tb testing.TB, args ...string) {
	tb.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal("ffmpeg is required in CI but not installed")
		}
		tb.Skip("ffmpeg not installed (apt-get install ffmpeg)")
	}
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-hide_banner", "-v", "error", "-y"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// Clip writes a w×h test pattern of d seconds (with a tone if audio) as
// H.264; extra arguments go before the output path.
func Clip(tb testing.TB, path string, w, h int, d float64, audio bool, extra ...string) {
	tb.Helper()
	args := []string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%dx%d:r=30:d=%g", w, h, d)}
	if audio {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:d=%g", d), "-c:a", "aac")
	}
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
	FFmpeg(tb, append(append(args, extra...), path)...)
}

// PatchAVISize rewrites the frame size an AVI declares (in its main and
// stream headers), making a tiny file claim huge dimensions.
func PatchAVISize(tb testing.TB, avi []byte, w, h int32) []byte {
	tb.Helper()
	avih := bytes.Index(avi, []byte("avih"))
	strf := bytes.Index(avi, []byte("strf"))
	if avih < 0 || strf < 0 {
		tb.Fatal("not an AVI with avih/strf")
	}
	le := binary.LittleEndian
	le.PutUint32(avi[avih+8+32:], uint32(w))
	le.PutUint32(avi[avih+8+36:], uint32(h))
	le.PutUint32(avi[strf+8+4:], uint32(w))
	if int32(le.Uint32(avi[strf+8+8:])) < 0 { // top-down raw frames
		h = -h
	}
	le.PutUint32(avi[strf+8+8:], uint32(h))
	return avi
}

// HugeAVI writes a tiny raw AVI that declares w×h frames.
func HugeAVI(tb testing.TB, path string, w, h int32) {
	tb.Helper()
	FFmpeg(tb, "-f", "lavfi", "-i", "testsrc2=s=16x16:r=5:d=0.4", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", path)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, PatchAVISize(tb, data, w, h), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// LyingMatroska writes a Matroska file of real seconds of tiny 16×16
// frames at 10 fps (about 3 MB for two hours) whose header claims claimed
// seconds: the segment's Duration and the tracks' DURATION tags are
// rewritten, the packets keep their real timestamps.
func LyingMatroska(tb testing.TB, path string, real, claimed float64) {
	tb.Helper()
	piece := path + ".piece.mkv"
	FFmpeg(tb, "-f", "lavfi", "-i", "testsrc2=s=16x16:r=10:d=10", "-c:v", "libx264", "-preset", "ultrafast", "-g", "600", piece)
	loops := int(real/10) - 1
	FFmpeg(tb, "-stream_loop", fmt.Sprint(loops), "-i", piece, "-c", "copy", path)
	os.Remove(piece)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	// Segment Info Duration: element 0x4489, 8-byte float, in ms.
	i := bytes.Index(data, []byte{0x44, 0x89, 0x88})
	if i < 0 {
		tb.Fatal("no 8-byte Duration element in the Matroska file")
	}
	binary.BigEndian.PutUint64(data[i+3:], math.Float64bits(claimed*1000))
	// DURATION tags: "HH:MM:SS.nnnnnnnnn" after each "DURATION" name.
	h, m, s := int(claimed)/3600, int(claimed)/60%60, claimed-float64(int(claimed)/60*60)
	lie := []byte(fmt.Sprintf("%02d:%02d:%012.9f", h, m, s))
	for off := 0; ; {
		j := bytes.Index(data[off:], []byte("DURATION"))
		if j < 0 {
			break
		}
		j += off
		k := bytes.IndexByte(data[j:min(j+40, len(data))], ':')
		if k < 2 {
			tb.Fatal("unexpected DURATION tag layout")
		}
		copy(data[j+k-2:], lie)
		off = j + k
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

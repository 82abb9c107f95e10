package ffmpeg

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"path/filepath"
	"strconv"
)

// HashFrames is how many frames a video's perceptual hash samples.
const HashFrames = 5

// PerceptualHash samples HashFrames frames spread evenly over the video
// (at 10%, 30%, 50%, 70% and 90% of its length), shrinks each to 9×8
// greyscale and takes its difference hash (dHash): one bit per pixel, set
// where a pixel is brighter than its right neighbour. Re-encoding at
// another bitrate or resolution barely changes these bits; other videos
// differ in about half of them.
func (r *Runner) PerceptualHash(ctx context.Context, input string, info *Info) ([]uint64, error) {
	abs, err := filepath.Abs(input)
	if err != nil {
		return nil, err
	}
	lim := r.Limits.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, lim.ProbeTimeout*3)
	defer cancel()
	dur := info.Duration.Seconds()
	if dur <= 0 {
		dur = 1
	}
	// One run with one seeking input per sample: -ss before -i seeks to
	// the keyframe before the time and decodes only up to it, instead of
	// the whole video.
	args := append([]string{"-nostdin", "-hide_banner", "-v", "error"}, inputArgs(lim)...)
	var graph, labels string
	for i := 0; i < HashFrames; i++ {
		at := dur * (0.1 + 0.2*float64(i))
		args = append(args, "-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", "file:"+abs)
		graph += fmt.Sprintf("[%d:v:0]trim=end_frame=1,scale=9:8:flags=area,format=gray,setsar=1[f%d];", i, i)
		labels += fmt.Sprintf("[f%d]", i)
	}
	graph += labels + fmt.Sprintf("concat=n=%d:v=1:a=0[out]", HashFrames)
	args = append(args, "-filter_complex", graph, "-map", "[out]", "-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1")
	out, _, err := r.run(ctx, r.bin("ffmpeg"), args, filepath.Dir(abs), 72*HashFrames)
	if err != nil {
		return nil, err
	}
	var hashes []uint64
	for f := 0; f+72 <= len(out); f += 72 {
		px := out[f : f+72]
		var h uint64
		for y := 0; y < 8; y++ {
			for x := 0; x < 8; x++ {
				h <<= 1
				if px[y*9+x] > px[y*9+x+1] {
					h |= 1
				}
			}
		}
		hashes = append(hashes, h)
	}
	if len(hashes) == 0 {
		return nil, fmt.Errorf("ffmpeg: no frames to hash")
	}
	return hashes, nil
}

// HashDistance is the mean Hamming distance between two perceptual hashes,
// frame by frame (each frame compared with the nearest of the other's, so
// a sample that lands one frame off still matches). 0 is identical, about
// 32 is unrelated.
func HashDistance(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 64
	}
	total := 0
	for _, x := range a {
		best := 64
		for _, y := range b {
			best = min(best, bits.OnesCount64(x^y))
		}
		total += best
	}
	return float64(total) / float64(len(a))
}

// EncodeHash is the stored form of a perceptual hash: its frames' 64-bit
// hashes in hex.
func EncodeHash(h []uint64) string {
	var raw []byte
	for _, x := range h {
		raw = binary.BigEndian.AppendUint64(raw, x)
	}
	return hex.EncodeToString(raw)
}

// DecodeHash reads a stored perceptual hash; a malformed one is empty.
func DecodeHash(s string) []uint64 {
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	var out []uint64
	for i := 0; i+8 <= len(raw); i += 8 {
		out = append(out, binary.BigEndian.Uint64(raw[i:]))
	}
	return out
}

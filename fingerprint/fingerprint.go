// Package fingerprint holds a video's temporal fingerprint and the block
// list's matching rule: the frame hashes ffmpeg's decode yields (see
// ffmpeg.Runner.Fingerprint and Transcode), their stored form, and when an
// upload shows a blocked clip. It is pure computation over hashes and
// imports nothing of kurz.
package fingerprint

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/bits"
	"strings"
)

// A Fingerprint is a video's temporal fingerprint: one 64-bit difference
// hash (dHash) per frame, taken at Rate frames a second over the
// whole decoded video, in order. Each frame is shrunk to 9×8 grey pixels
// and a bit is set where a pixel is brighter than its right neighbour;
// re-encoding at another bitrate or size barely changes these bits, other
// pictures differ in about half of them. A flat frame (black, one colour,
// a fade) says nothing about the video and is 0 (FlatFrame).
//
// Match finds a blocked clip inside a longer upload: its frames in order,
// with a tolerance per frame and for frames missing, so an intro, an
// outro, a re-encode or a speed-up within reason does not hide it.
type Fingerprint []uint64

// Rate is how many frames a second a Fingerprint holds.
const Rate = 4

// FlatFrame is the hash of a frame without enough contrast to hash.
const FlatFrame = 0

// Matching parameters, measured in BENCHMARKS.md ("Block list matching").
const (
	// FrameTolerance is how many of a frame hash's 64 bits may differ
	// for two frames to count as the same picture.
	FrameTolerance = 12
	// containedShare is the share of a blocked clip's informative frames
	// that must be found, in order, in an upload. A copy sped up by a
	// factor k keeps about 1/k of them, so 0.5 allows up to about 1.6×
	// with a few frames lost to re-encoding.
	containedShare = 0.5
	// excerptShare and excerptFrames: an upload that is at least 5 s of a
	// blocked clip, with this share of its own frames found in order.
	excerptShare  = 0.8
	excerptFrames = 5 * Rate
	// minFrames: fewer informative frames than this say too little; such
	// a blocked clip must be found whole (all frames but one).
	minFrames = 8
	// flatContrast: a 9×8 frame whose brightest and darkest pixels differ
	// by less than this is flat.
	flatContrast = 12
)

// FrameHash is the dHash of one 9×8 grey frame (72 bytes, row by row),
// or FlatFrame.
func FrameHash(px []byte) uint64 {
	lo, hi := px[0], px[0]
	for _, p := range px {
		lo, hi = min(lo, p), max(hi, p)
	}
	if int(hi)-int(lo) < flatContrast {
		return FlatFrame
	}
	var h uint64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			h <<= 1
			if px[y*9+x] > px[y*9+x+1] {
				h |= 1
			}
		}
	}
	if h == FlatFrame {
		h = 1 // a real picture is never taken for a flat one
	}
	return h
}

// informative drops flat frames.
func (f Fingerprint) informative() []uint64 {
	out := make([]uint64, 0, len(f))
	for _, h := range f {
		if h != FlatFrame {
			out = append(out, h)
		}
	}
	return out
}

// MatchedFrames is the length of the longest common subsequence of the
// informative frames of a and b, where two frames are common when their
// hashes differ in at most FrameTolerance bits: how many frames of a are
// found in b in the same order, whatever lies between them.
func MatchedFrames(a, b Fingerprint) int {
	x, y := a.informative(), b.informative()
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	prev, cur := make([]int32, len(y)+1), make([]int32, len(y)+1)
	for _, hx := range x {
		for j, hy := range y {
			switch {
			case bits.OnesCount64(hx^hy) <= FrameTolerance:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return int(prev[len(y)])
}

// Match reports whether upload shows the blocked clip: at least half of
// the blocked clip's informative frames appear in the upload in order
// (intro, outro, re-encode and speed-ups up to about 1.6× included), or
// the upload is an excerpt of at least 5 s of it. A blocked clip of fewer
// than 8 informative frames must be found whole but for one frame.
func Match(blocked, upload Fingerprint) bool {
	m, n := len(blocked.informative()), len(upload.informative())
	if m == 0 || n == 0 {
		return false
	}
	got := MatchedFrames(blocked, upload)
	if m < minFrames {
		return m >= 3 && got >= m-1
	}
	if float64(got) >= containedShare*float64(m) {
		return true
	}
	return n >= excerptFrames && float64(got) >= excerptShare*float64(n)
}

// fingerprintPrefix marks the stored form of a Fingerprint; stored hashes
// without it are the five frames sampled at 10-90 % of a video by kurz
// before temporal fingerprints, and still match as a short clip.
const fingerprintPrefix = "t4:"

// String is the stored form: "t4:" and the frame hashes in hex.
func (f Fingerprint) String() string {
	var raw []byte
	for _, x := range f {
		raw = binary.BigEndian.AppendUint64(raw, x)
	}
	return fingerprintPrefix + hex.EncodeToString(raw)
}

// Parse reads a stored fingerprint; a malformed one is empty
// (and matches nothing).
func Parse(s string) Fingerprint {
	raw, err := hex.DecodeString(strings.TrimPrefix(s, fingerprintPrefix))
	if err != nil || len(raw)%8 != 0 {
		return nil
	}
	out := make(Fingerprint, 0, len(raw)/8)
	for i := 0; i+8 <= len(raw); i += 8 {
		out = append(out, binary.BigEndian.Uint64(raw[i:]))
	}
	return out
}

// FromFrames hashes raw 9×8 grey frames (72 bytes each, as the decode's
// fingerprint output writes them) into a fingerprint.
func FromFrames(raw []byte) (Fingerprint, error) {
	fp := make(Fingerprint, 0, len(raw)/72)
	for f := 0; f+72 <= len(raw); f += 72 {
		fp = append(fp, FrameHash(raw[f:f+72]))
	}
	if len(fp) == 0 {
		return nil, errors.New("ffmpeg: no frames to fingerprint")
	}
	return fp, nil
}

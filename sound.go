package kurz

import (
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An AudioPrint is the acoustic fingerprint of the start of a video's
// audio: Chromaprint's raw sub-fingerprints (one 32-bit value per about
// 0.124 s of audio) of its first AudioPrintSeconds. It is derived from
// the audio of a public video and travels with the sound's public record;
// it cannot be turned back into the audio.
type AudioPrint []uint32

// AudioPrintSeconds is how much of a video's audio its print covers: the
// same audio re-uploaded starts the same way. A re-upload that starts
// elsewhere in the audio is a sound of its own.
const AudioPrintSeconds = 20

// Matching thresholds (documented in README.md, "Sounds"): two prints
// match when, at the best alignment within ±SoundMaxShift values (about
// 5 s), at least SoundMinOverlap values (about 3 s) overlap and at most
// SoundMaxBitErrors of their bits differ. Measured with ffmpeg-made
// clips: the same audio re-encoded (AAC 48-64 kbit/s, MP3, another
// volume) differs in 0-2 % of bits; different audio, noise included, in
// 26-43 %.
const (
	SoundMaxShift     = 40
	SoundMinOverlap   = 24
	SoundMaxBitErrors = 0.15
)

// BitErrors is the lowest share of differing bits between a and b over
// alignments within ±SoundMaxShift values with at least SoundMinOverlap
// values in common; 1 when no alignment has that many.
func BitErrors(a, b AudioPrint) float64 {
	best := 1.0
	for s := -SoundMaxShift; s <= SoundMaxShift; s++ {
		lo, hi := max(0, -s), min(len(a), len(b)-s)
		if hi-lo < SoundMinOverlap {
			continue
		}
		diff := 0
		for i := lo; i < hi; i++ {
			diff += bits.OnesCount32(a[i] ^ b[i+s])
		}
		if e := float64(diff) / float64(32*(hi-lo)); e < best {
			best = e
		}
	}
	return best
}

// SameSound reports whether two prints are of the same audio.
func SameSound(a, b AudioPrint) bool {
	return BitErrors(a, b) <= SoundMaxBitErrors
}

// String is the stored and published form: base64 (URL alphabet, no
// padding) of the values, little-endian.
func (p AudioPrint) String() string {
	if len(p) == 0 {
		return ""
	}
	raw := make([]byte, 0, 4*len(p))
	for _, v := range p {
		raw = binary.LittleEndian.AppendUint32(raw, v)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// ParseAudioPrint reads the stored form; a malformed one is empty (and
// matches nothing).
func ParseAudioPrint(s string) AudioPrint {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw)%4 != 0 || len(raw) > 4*16*AudioPrintSeconds {
		return nil
	}
	out := make(AudioPrint, len(raw)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(raw[4*i:])
	}
	return out
}

// MaxSoundNameLen is the longest name a creator gives their sound, in
// characters.
const MaxSoundNameLen = 80

// CheckSoundName validates and trims a sound's name; "" means the default
// name ("original sound – @handle", in the reader's language).
func CheckSoundName(name string) (string, error) {
	if err := CheckText("sound_name", name); err != nil {
		return "", err
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		name = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, name)
	}
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > MaxSoundNameLen {
		return "", FieldError("sound_name", "a sound's name can have at most %d characters", MaxSoundNameLen)
	}
	return name, nil
}

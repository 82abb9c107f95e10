package fingerprint

import "testing"

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
	if Match(flat, flat) || len(Parse("t4:zz")) != 0 || len(Parse("t4:00ff")) != 0 {
		t.Error("flat or malformed fingerprints matched")
	}
	// The stored form of kurz before temporal fingerprints (five frames
	// at 10-90 %, no prefix) still reads.
	if got := Parse(b[:5].String()[len(fingerprintPrefix):]); len(got) != 5 || got[4] != b[4] {
		t.Errorf("legacy form read as %v", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("t4:0123456789abcdef")
	f.Add("00ff")
	f.Fuzz(func(t *testing.T, s string) {
		fp := Parse(s)
		if len(fp) > 0 && Parse(fp.String()).String() != fp.String() {
			t.Fatalf("round trip of %q", s)
		}
		Match(fp, fp)
	})
}

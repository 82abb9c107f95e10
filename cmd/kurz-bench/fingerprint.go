package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"kurz/ffmpeg"
	"kurz/fingerprint"
)

// fpSource is a generated clip: a lavfi source expression.
type fpSource struct{ name, lavfi string }

// fpTransform makes a copy of a blocked clip; pad is a clip of other
// content for intros and outros.
type fpTransform struct {
	name string
	args func(in, pad string) []string // ffmpeg arguments before the output
	// expected says whether kurz is meant to catch this copy.
	expected bool
}

const fpSize = "240x426"

// benchFingerprint measures the block list's temporal fingerprint: recall
// on transformed copies of blocked clips and false positives on pairs of
// unrelated clips, all generated with ffmpeg's lavfi sources.
func benchFingerprint() error {
	const sec = "11. Block list matching (temporal fingerprint)"
	dir := filepath.Join(workDir, "fingerprint")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dur := 8.0
	blocked := []fpSource{
		{"testsrc2", "testsrc2"},
		{"mandelbrot", "mandelbrot"},
		{"life", "life=mold=10:ratio=0.5:seed=1:death_color=#203040:life_color=#f0e0a0"},
		{"cellauto-30", "cellauto=rule=30:seed=2"},
		{"mandelbrot-deep", "mandelbrot=start_x=-0.7436438870371587:start_y=-0.1318259042053119:start_scale=0.3"},
		{"gradients", "gradients=speed=0.05:seed=3"},
	}
	unrelated := []fpSource{
		{"life-11", "life=mold=5:ratio=0.3:seed=11:death_color=#000000:life_color=#ffffff"},
		{"life-12", "life=mold=20:ratio=0.6:seed=12:death_color=#402010:life_color=#80c0ff"},
		{"cellauto-110", "cellauto=rule=110:seed=13"},
		{"cellauto-90", "cellauto=rule=90:seed=14"},
		{"cellauto-150", "cellauto=rule=150:seed=15"},
		{"mandelbrot-seahorse", "mandelbrot=start_x=-0.75:start_y=0.1:start_scale=0.5"},
		{"mandelbrot-spiral", "mandelbrot=start_x=0.2821:start_y=0.01:start_scale=0.4"},
		{"gradients-7", "gradients=speed=0.08:seed=7:nb_colors=4"},
		{"testsrc", "testsrc"},
		{"sierpinski", "sierpinski=seed=9:jump=10"},
	}
	if o.quick {
		// A smoke run: one blocked clip and two unrelated ones keep every
		// transform and the false-positive pass exercised (the full run
		// measures recall on six clips).
		dur = 5
		blocked, unrelated = blocked[:1], unrelated[:2]
	}
	pad := fpSource{"intro", "life=mold=3:ratio=0.2:seed=99:death_color=#103010:life_color=#e0ff40"}
	concat := func(n int) string {
		var g strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&g, "[%d:v]scale=%s,setsar=1,fps=30[v%d];", i, strings.Replace(fpSize, "x", ":", 1), i)
		}
		for i := 0; i < n; i++ {
			fmt.Fprintf(&g, "[v%d]", i)
		}
		fmt.Fprintf(&g, "concat=n=%d:v=1:a=0[out]", n)
		return g.String()
	}
	enc := []string{"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"}
	transforms := []fpTransform{
		{"re-encoded (CRF 35)", func(in, _ string) []string { return append([]string{"-i", in, "-crf", "35"}, enc...) }, true},
		{"downscaled to 120x214", func(in, _ string) []string {
			return append([]string{"-i", in, "-vf", "scale=120:214", "-crf", "28"}, enc...)
		}, true},
		{"5 s intro", func(in, pad string) []string {
			return append([]string{"-i", pad, "-i", in, "-filter_complex", concat(2), "-map", "[out]"}, enc...)
		}, true},
		{"3 s outro", func(in, pad string) []string {
			return append([]string{"-i", in, "-t", "3", "-i", pad, "-filter_complex", concat(2), "-map", "[out]"}, enc...)
		}, true},
		{"5 s intro and 3 s outro", func(in, pad string) []string {
			return append([]string{"-i", pad, "-i", in, "-ss", "2", "-i", pad, "-filter_complex", concat(3), "-map", "[out]"}, enc...)
		}, true},
		{"sped up 1.25×", func(in, _ string) []string {
			return append([]string{"-i", in, "-vf", "setpts=PTS/1.25"}, enc...)
		}, true},
		{"sped up 1.5×", func(in, _ string) []string {
			return append([]string{"-i", in, "-vf", "setpts=PTS/1.5"}, enc...)
		}, true},
		{"slowed to 0.8×", func(in, _ string) []string {
			return append([]string{"-i", in, "-vf", "setpts=PTS/0.8"}, enc...)
		}, true},
		{"brighter, more contrast", func(in, _ string) []string {
			return append([]string{"-i", in, "-vf", "eq=brightness=0.06:contrast=1.15"}, enc...)
		}, true},
		{"cropped 10 % and scaled back", func(in, _ string) []string {
			return append([]string{"-i", in, "-vf", "crop=iw*0.8:ih*0.8,scale=" + strings.Replace(fpSize, "x", ":", 1)}, enc...)
		}, false},
		{"mirrored", func(in, _ string) []string { return append([]string{"-i", in, "-vf", "hflip"}, enc...) }, false},
	}

	gen := func(out string, args ...string) error {
		full := append([]string{"-nostdin", "-hide_banner", "-v", "error", "-y"}, args...)
		full = append(full, out)
		if b, err := exec.Command(tools.ffmpeg, full...).CombinedOutput(); err != nil {
			return fmt.Errorf("ffmpeg %v: %v\n%s", args, err, b)
		}
		return nil
	}
	source := func(s fpSource, d float64) (string, error) {
		p := filepath.Join(dir, s.name+".mp4")
		sep := "="
		if strings.Contains(s.lavfi, "=") {
			sep = ":"
		}
		return p, gen(p, append([]string{"-f", "lavfi", "-i", s.lavfi + sep + "s=" + fpSize + ":r=30", "-t", fmt.Sprint(d)}, enc...)...)
	}
	runner := &ffmpeg.Runner{FFmpeg: tools.ffmpeg, FFprobe: tools.ffprobe}
	printOf := func(path string) (fingerprint.Fingerprint, error) {
		info, err := runner.Probe(context.Background(), path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		return runner.Fingerprint(context.Background(), path, info)
	}

	padPath, err := source(pad, 5)
	if err != nil {
		return err
	}
	var blockedFP, copiesFP []fingerprint.Fingerprint
	hits := make([]int, len(transforms))
	var worstCopy = 1.0
	var thin []string // blocked clips with too few informative frames
	for _, b := range blocked {
		in, err := source(b, dur)
		if err != nil {
			return err
		}
		bf, err := printOf(in)
		if err != nil {
			return err
		}
		blockedFP = append(blockedFP, bf)
		if n := informative(bf); n < 8 {
			thin = append(thin, fmt.Sprintf("%s (%d of %d frames)", b.name, n, len(bf)))
		}
		for i, tr := range transforms {
			out := filepath.Join(dir, fmt.Sprintf("%s-copy%d.mp4", b.name, i))
			if err := gen(out, tr.args(in, padPath)...); err != nil {
				return err
			}
			cf, err := printOf(out)
			if err != nil {
				return err
			}
			copiesFP = append(copiesFP, cf)
			share := float64(fingerprint.MatchedFrames(bf, cf)) / float64(max(1, informative(bf)))
			if fingerprint.Match(bf, cf) {
				hits[i]++
			}
			if tr.expected && informative(bf) >= 8 {
				worstCopy = min(worstCopy, share)
			}
			log.Printf("fingerprint: %s, %s: %.0f %% of its frames found, match %v", b.name, tr.name, 100*share, fingerprint.Match(bf, cf))
		}
	}
	for i, tr := range transforms {
		system := "copy: " + tr.name
		if !tr.expected {
			system += " (not aimed at)"
		}
		record(sec, system, "recall", "%", "ffmpeg "+strings.Join(tr.args("$BLOCKED", "$INTRO"), " ")+" $COPY", 100*float64(hits[i])/float64(len(blocked)))
	}

	// False positives: every blocked clip against every unrelated clip,
	// every other blocked clip and the intro alone; and every unrelated
	// clip taken as blocked against every copy of the blocked clips.
	var unrelFP []fingerprint.Fingerprint
	for _, u := range unrelated {
		p, err := source(u, dur)
		if err != nil {
			return err
		}
		f, err := printOf(p)
		if err != nil {
			return err
		}
		unrelFP = append(unrelFP, f)
	}
	padFP, err := printOf(padPath)
	if err != nil {
		return err
	}
	pairs, fps := 0, 0
	worstOther := 0.0
	try := func(blockedF, upload fingerprint.Fingerprint) {
		pairs++
		if fingerprint.Match(blockedF, upload) {
			fps++
		}
		worstOther = max(worstOther, float64(fingerprint.MatchedFrames(blockedF, upload))/float64(max(1, informative(blockedF))))
	}
	for i, bf := range blockedFP {
		for _, uf := range unrelFP {
			try(bf, uf)
		}
		for j, other := range blockedFP {
			if i != j {
				try(bf, other)
			}
		}
		try(bf, padFP)
	}
	for _, uf := range unrelFP {
		for _, cf := range copiesFP {
			try(uf, cf)
		}
	}
	record(sec, "unrelated pairs", "false positives", "%", "fingerprint.Match(blocked, upload) over the pairs listed below", 100*float64(fps)/float64(pairs))

	// Cost of one comparison: a 60 s upload against a 60 s blocked clip,
	// and the worst case, 10 minutes against 10 minutes.
	rnd := rand.New(rand.NewPCG(1, 2))
	synth := func(seconds int) fingerprint.Fingerprint {
		f := make(fingerprint.Fingerprint, seconds*fingerprint.Rate)
		for i := range f {
			f[i] = rnd.Uint64() | 1
		}
		return f
	}
	for _, s := range []int{60, 600} {
		a, b := synth(s), synth(s)
		n := max(1, 200/s)
		t0 := time.Now()
		for range n {
			fingerprint.Match(a, b)
		}
		record(sec, fmt.Sprintf("one comparison, %d s against %d s", s, s), "time", "ms", "fingerprint.Match on random fingerprints", float64(time.Since(t0).Microseconds())/1000/float64(n))
	}

	note(sec, "Blocked clips: %d generated %g s %s clips (lavfi sources %s); each copied in %d ways; intros and outros are another generated clip (`%s`).",
		len(blocked), dur, fpSize, names(blocked), len(transforms), pad.lavfi)
	note(sec, "Unrelated clips: %d others (%s). Pairs tried for false positives: %d (each blocked clip against each unrelated clip, each other blocked clip and the intro alone; each unrelated clip taken as blocked against every copy of the blocked clips).",
		len(unrelated), names(unrelated), pairs)
	note(sec, "Fingerprint: dHash of a 9×8 grey picture %d times a second over the decoded video; match: at least %.0f %% of the blocked clip's frames in order within %d bits each, or an upload of 5 s or more 80 %% found in the blocked clip (see `fingerprint.Match`).",
		fingerprint.Rate, 50.0, fingerprint.FrameTolerance)
	note(sec, "Margin: the copies kurz aims at kept at least %.0f %% of the blocked clip's frames in order (clips with enough contrast to fingerprint); the closest unrelated pair reached %.0f %% (the threshold is 50 %%).",
		100*worstCopy, 100*worstOther)
	if len(thin) > 0 {
		note(sec, "Too little to fingerprint: %s had fewer than 8 frames with contrast at 9×8 (fine patterns average to grey), so none of its copies is caught; such a clip must be found whole but for one frame, and its copies lose more.", strings.Join(thin, ", "))
	}
	note(sec, "Crops and mirror images change every 9×8 picture and are not caught; they are listed to show the limit. The sources are synthetic: real footage (faces, text, scene cuts) has not been measured.")
	return nil
}

func informative(f fingerprint.Fingerprint) int {
	n := 0
	for _, h := range f {
		if h != fingerprint.FlatFrame {
			n++
		}
	}
	return n
}

func names(s []fpSource) string {
	var out []string
	for _, x := range s {
		out = append(out, "`"+x.lavfi+"`")
	}
	return strings.Join(out, ", ")
}

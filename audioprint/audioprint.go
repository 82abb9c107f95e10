// Package audioprint fingerprints the start of a video's audio with
// Chromaprint's fpcalc, both tools run in ffmpeg's media box (see package
// ffmpeg). It imports only ffmpeg; what a print means (kurz.SameSound)
// is the root package's.
package audioprint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"kurz/ffmpeg"
)

// Audio prints: Chromaprint's fpcalc (Debian's libchromaprint-tools)
// fingerprints the start of a video's audio. fpcalc never sees the
// upload: ffmpeg, with the same whitelists and limits as every decode,
// turns the first AudioPrintSeconds of the first audio stream into mono
// 16-bit PCM at PrintRate, and fpcalc reads only that raw PCM as its one
// input file (format s16le, no probing of a container). Both run in the
// box. The extra cost per upload: decoding 20 s of audio, and fpcalc.
const (
	AudioPrintSeconds = 20
	PrintRate         = 11025
	// MinPrintValues is how many distinct values a print needs to say
	// anything: silence or a steady tone gives one value over and over,
	// and all such clips would otherwise be "the same sound".
	MinPrintValues = 8
	// MinPrintSeconds: shorter audio has no print (matching needs about
	// 3 s in common, and fpcalc gives nothing for a second or so).
	MinPrintSeconds = 4
)

// printPCMBytes bounds the PCM of one print (with a second to spare).
const printPCMBytes = 2 * PrintRate * (AudioPrintSeconds + 1)

// Args are ffmpeg's arguments for the PCM of a print.
func Args(r *ffmpeg.Runner) []string {
	a := append([]string{"-nostdin", "-hide_banner", "-nostats", "-v", "error"}, r.InputArgs()...)
	return append(a, "-t", strconv.Itoa(AudioPrintSeconds), "-i", ffmpeg.InputURL, "-map", "0:a:0", "-vn", "-sn", "-dn",
		"-ac", "1", "-ar", strconv.Itoa(PrintRate), "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1")
}

// fpcalcArgs are fpcalc's arguments: raw PCM on fd 3, raw values out.
var fpcalcArgs = []string{"-format", "s16le", "-rate", strconv.Itoa(PrintRate), "-channels", "1",
	"-length", strconv.Itoa(AudioPrintSeconds), "-raw", "/proc/self/fd/3"}

// Of returns the Chromaprint values of the first
// AudioPrintSeconds of input's audio (described by info, from Probe), or
// nil when the video has no audio or its audio says too little (silence,
// one steady tone) to be told apart from other audio. The PCM is kept in
// folder dir (the job's stage) while fpcalc reads it, and removed.
func Of(ctx context.Context, r *ffmpeg.Runner, input string, info *ffmpeg.Info, dir string) ([]uint32, error) {
	if info == nil || !info.HasAudio {
		return nil, nil
	}
	f, err := r.OpenInput(input)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeoutCause(ctx, time.Minute+r.Limits.WithDefaults().ProbeTimeout, ffmpeg.ErrTimeout)
	defer cancel()
	pcm := &capped{max: printPCMBytes}
	if err := r.RunBoxed(ctx, "ffmpeg", Args(r), f, pcm); err != nil {
		return nil, fmt.Errorf("ffmpeg: audio for print: %w", err)
	}
	if pcm.buf.Len() < 2*PrintRate*MinPrintSeconds {
		return nil, nil // too short to be matched (kurz.SoundMinOverlap)
	}
	tmp, err := os.CreateTemp(dir, "print-*.pcm")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := tmp.Write(pcm.buf.Bytes()); err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return nil, err
	}
	out := &capped{max: 64 << 10}
	// fpcalc 1.5 prints the print and then exits 3 on reaching the end
	// of raw input ("Error decoding audio frame (End of file)"): a print
	// on stdout counts, whatever the exit status.
	if err = r.RunBoxed(ctx, "fpcalc", fpcalcArgs, tmp, out); err != nil &&
		(ctx.Err() != nil || !bytes.Contains(out.buf.Bytes(), []byte("\nFINGERPRINT="))) {
		if ee := (*exec.ExitError)(nil); ctx.Err() == nil && errors.As(err, &ee) && ee.ExitCode() == 2 {
			return nil, nil // "Empty fingerprint": nothing in it to print
		}
		return nil, fmt.Errorf("fpcalc: %w", err)
	}
	return parsePrint(out.buf.Bytes())
}

// parsePrint reads fpcalc's raw output (DURATION=…, FINGERPRINT=a,b,…).
func parsePrint(b []byte) ([]uint32, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<10)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "FINGERPRINT=")
		if !ok {
			continue
		}
		var out []uint32
		distinct := map[uint32]bool{}
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("fpcalc: bad value %q", s)
			}
			out = append(out, uint32(n))
			distinct[uint32(n)] = true
		}
		if len(distinct) < MinPrintValues {
			return nil, nil
		}
		return out, nil
	}
	return nil, nil // too short for a print
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf bytes.Buffer
	max int
}

func (w *capped) Write(p []byte) (int, error) {
	w.buf.Write(p[:min(len(p), max(w.max-w.buf.Len(), 0))])
	return len(p), nil
}

package ffmpeg

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"kurz/fingerprint"
)

// fingerprintFilter turns decoded frames into 9×8 grey pictures at
// fingerprint.Rate.
var fingerprintFilter = "fps=" + strconv.Itoa(fingerprint.Rate) + ",scale=9:8:flags=area,setsar=1,format=gray"

// fingerprintBytes bounds the raw output of the fingerprint for info.
func fingerprintBytes(info *Info) int {
	return 72 * (int(math.Ceil((info.Duration.Seconds()+1)*fingerprint.Rate)) + 2)
}

// parseFingerprint hashes raw 9×8 grey frames.
func parseFingerprint(w *capWriter) (fingerprint.Fingerprint, error) {
	if w.over {
		return nil, fmt.Errorf("ffmpeg: fingerprint longer than the video")
	}
	return fingerprint.FromFrames(w.buf.Bytes())
}

// Fingerprint decodes the whole video (up to Info's counted duration) and
// returns its temporal fingerprint, as Transcode does on its way. It is for
// checks without a transcode (the block list benchmark, tests).
func (r *Runner) Fingerprint(ctx context.Context, input string, info *Info) (fingerprint.Fingerprint, error) {
	lim := r.Limits.WithDefaults()
	f, err := openInput(input, lim.MaxFileSize)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeoutCause(ctx, r.TranscodeTimeout(info), ErrTimeout)
	defer cancel()
	fpsExpr, _ := outFPS(info)
	args := append([]string{"-nostdin", "-hide_banner", "-nostats", "-v", "error"}, inputArgs(lim)...)
	args = append(args, "-t", decodeLimit(info), "-i", InputURL,
		"-filter_complex", "[0:v:0]fps="+fpsExpr+","+fingerprintFilter+"[fingerprint]",
		"-map", "[fingerprint]", "-an", "-frames:v", maxOutFrames(info, fingerprint.Rate),
		"-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1")
	out := &capWriter{max: fingerprintBytes(info)}
	if _, err := r.run(ctx, r.bin("ffmpeg"), args, runOpts{input: f, stdout: out}); err != nil {
		return nil, err
	}
	return parseFingerprint(out)
}

package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"kurz/fingerprint"
	"kurz/ladder"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rung is one vertical rendition of the ladder (package ladder).
type Rung = ladder.Rung

// Ladder returns the rungs for an input, lowest first (ladder.For).
func Ladder(info *Info) []Rung { return ladder.For(info.Width, info.Height) }

// Rendition is one HLS variant a transcode produced.
type Rendition = ladder.Rendition

// Output lists what Transcode produced; paths are relative to outDir.
type Output struct {
	Renditions              []Rendition
	Master, Poster, Preview string
	// Fingerprint is the video's temporal fingerprint (package fingerprint).
	Fingerprint fingerprint.Fingerprint
}

// Output file names inside outDir; the media URLs (video.MediaURLs) are
// built from them.
const (
	MasterName  = "master.m3u8"
	PosterName  = "poster.jpg"
	PreviewName = "preview.mp4"
	workPrefix  = ".work-"
)

// Output frame rate cap and the HLS segment length that keyframes align to.
const (
	maxOutFPS  = 30
	segSeconds = 2
)

// outFPS is the constant output frame rate: the input's, capped at 30.
func outFPS(info *Info) (string, float64) {
	f := info.FPS
	if f <= 0 || f > maxOutFPS {
		return strconv.Itoa(maxOutFPS), maxOutFPS
	}
	if math.Abs(f-30000.0/1001) < 0.01 {
		return "30000/1001", 30000.0 / 1001
	}
	s := strconv.FormatFloat(f, 'f', 3, 64)
	f, _ = strconv.ParseFloat(s, 64)
	return s, f
}

// fitPad scales into a w×h box keeping the aspect ratio, then pads to it.
func fitPad(w, h int) string {
	return fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=decrease:force_divisible_by=2,"+
		"pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1", w, h, w, h)
}

// decodeLimit is how much of the input any decode reads: the counted
// duration plus a second. Frames past it are never decoded, whatever the
// timestamps did after counting.
func decodeLimit(info *Info) string {
	return strconv.FormatFloat(info.Duration.Seconds()+1, 'f', 3, 64)
}

// maxOutFrames caps the frames of each output stream at fps over the
// decode limit, plus one.
func maxOutFrames(info *Info, fps float64) string {
	return strconv.Itoa(int(math.Ceil((info.Duration.Seconds()+1)*fps)) + 1)
}

// TranscodeTimeout is how long the transcode of info may take: 2 minutes
// plus 4 times its duration, within Limits.TranscodeTimeout.
func (r *Runner) TranscodeTimeout(info *Info) time.Duration {
	return min(r.Limits.WithDefaults().TranscodeTimeout, 2*time.Minute+4*info.Duration)
}

// Pass is the part of a transcode that one ffmpeg run makes.
type Pass int

const (
	// PassFirst makes the lowest rung, the poster, the preview and the
	// fingerprint: all a video needs to be screened and played.
	PassFirst Pass = iota
	// PassRest makes the other rungs (none if the input gets one).
	PassRest
	// PassAll makes everything in one run: one decode, all outputs
	// advancing together, so nothing is done before everything is (the
	// benchmarks' one-pass baseline).
	PassAll
)

// span is the rungs [from, to) of a ladder of n that the pass makes.
func (p Pass) span(n int) (from, to int) {
	switch p {
	case PassFirst:
		return 0, min(1, n)
	case PassRest:
		return min(1, n), n
	}
	return 0, n
}

// TranscodeArgs returns the exact ffmpeg arguments of one pass. The
// input is fd 3 (see box.go) and the progress report goes to fd 4;
// output paths are relative: ffmpeg runs inside a fresh work directory of
// outDir. The fingerprint goes to stdout.
func (r *Runner) TranscodeArgs(info *Info, pass Pass) []string {
	all := Ladder(info)
	from, to := pass.span(len(all))
	rungs, extras := all[from:to], pass != PassRest
	fpsExpr, fps := outFPS(info)
	gop := strconv.Itoa(max(1, int(math.Round(fps*segSeconds))))
	top := all[len(all)-1]

	// One decode, fanned out: the pass's rungs, and the poster frame,
	// the preview and the fingerprint.
	var g strings.Builder
	fmt.Fprintf(&g, "[0:v:0]fps=%s,split=%d", fpsExpr, len(rungs)+3*btoi(extras))
	for i := range rungs {
		fmt.Fprintf(&g, "[s%d]", from+i)
	}
	if extras {
		g.WriteString("[sp][sv][sf]")
	}
	for i, rg := range rungs {
		fmt.Fprintf(&g, ";[s%d]%s,format=yuv420p[v%d]", from+i, fitPad(rg.Width, rg.Height), from+i)
	}
	if extras {
		posterFrame := 0
		if info.Duration.Seconds() >= 2 {
			posterFrame = int(math.Floor(fps)) // about 1 s in
		}
		fmt.Fprintf(&g, ";[sp]trim=start_frame=%d:end_frame=%d,%s,format=yuvj420p[poster]",
			posterFrame, posterFrame+1, fitPad(top.Width, top.Height))
		fmt.Fprintf(&g, ";[sv]trim=duration=3,scale=%d:-2,setsar=1,format=yuv420p[preview]",
			max(min(360, info.Width&^1), 2))
		fmt.Fprintf(&g, ";[sf]%s[fingerprint]", fingerprintFilter)
	}

	// Options every output gets: no metadata, chapters, data or subtitles,
	// and no encoder/muxer version tags.
	clean := []string{"-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn", "-fflags", "+bitexact"}

	a := []string{"-nostdin", "-hide_banner", "-nostats", "-v", "error", "-progress", progressURL}
	a = append(a, inputArgs(r.Limits.WithDefaults())...)
	a = append(a, "-t", decodeLimit(info), "-i", InputURL, "-filter_complex", g.String())
	frames := maxOutFrames(info, fps)

	// HLS variants, named by their place in the whole ladder.
	var streamMap []string
	for i := range rungs {
		a = append(a, "-map", fmt.Sprintf("[v%d]", from+i))
		if info.HasAudio {
			a = append(a, "-map", "0:a:0")
			streamMap = append(streamMap, fmt.Sprintf("v:%d,a:%d,name:%d", i, i, from+i))
		} else {
			streamMap = append(streamMap, fmt.Sprintf("v:%d,name:%d", i, from+i))
		}
	}
	a = append(a, "-frames:v", frames, "-c:v", "libx264", "-preset", "veryfast", "-flags:v", "+bitexact",
		"-g", gop, "-keyint_min", gop, "-sc_threshold", "0")
	if r.Threads > 0 {
		a = append(a, "-threads:v", strconv.Itoa(r.Threads))
	}
	for i, rg := range rungs {
		v := ":v:" + strconv.Itoa(i)
		a = append(a, "-profile"+v, rg.Profile, "-crf"+v, strconv.Itoa(rg.CRF),
			"-maxrate"+v, kbps(rg.MaxRate), "-bufsize"+v, kbps(2*rg.MaxRate))
	}
	if info.HasAudio {
		a = append(a, "-c:a", "aac", "-ac", "2", "-ar", "48000", "-flags:a", "+bitexact")
		for i, rg := range rungs {
			a = append(a, "-b:a:"+strconv.Itoa(i), kbps(rg.AudioRate))
		}
	}
	a = append(a, clean...)
	a = append(a, "-f", "hls", "-hls_time", strconv.Itoa(segSeconds), "-hls_playlist_type", "vod",
		"-hls_list_size", "0", "-hls_flags", "independent_segments",
		"-hls_segment_filename", "v%v/seg_%05d.ts", "-master_pl_name", MasterName,
		"-var_stream_map", strings.Join(streamMap, " "), "v%v/index.m3u8")
	if !extras {
		return a
	}

	// Poster: one JPEG frame at the top rung's size.
	a = append(a, "-map", "[poster]", "-an", "-c:v", "mjpeg", "-q:v", "3", "-flags:v", "+bitexact",
		"-frames:v", "1")
	a = append(a, clean...)
	a = append(a, "-f", "image2", "-update", "1", PosterName)

	// Preview: first 3 s, 360 wide, silent.
	a = append(a, "-map", "[preview]", "-an", "-c:v", "libx264", "-preset", "veryfast",
		"-profile:v", "main", "-crf", "28", "-maxrate", "600k", "-bufsize", "1200k",
		"-flags:v", "+bitexact", "-g", gop)
	if r.Threads > 0 {
		a = append(a, "-threads:v", strconv.Itoa(r.Threads))
	}
	a = append(a, clean...)
	a = append(a, "-movflags", "+faststart", "-f", "mp4", PreviewName)

	// Fingerprint: raw 9×8 grey frames at fingerprint.Rate on stdout.
	a = append(a, "-map", "[fingerprint]", "-an", "-frames:v", maxOutFrames(info, fingerprint.Rate),
		"-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1")
	return a
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func kbps(bits int) string { return strconv.Itoa(bits/1000) + "k" }

// ownedName matches the entries Transcode may create in outDir.
var ownedName = regexp.MustCompile(`^(master\.m3u8|poster\.jpg|preview\.mp4|v[0-9]+|\.work-.*)$`)

// Staged says how TranscodeStaged runs and reports.
type Staged struct {
	// First, if set, holds the renditions of a first pass published by an
	// earlier run: the first pass is not run again, only the rest.
	First []Rendition
	// Playable is called when the first pass is complete in its folder,
	// while the rest go on (not when First is set). An error stops the
	// rest and is returned.
	Playable func(*Output) error
	// Progress, if set, is told how far a pass is (0 to 1), about twice a
	// second, from ffmpeg's own progress report.
	Progress func(pass Pass, done float64)
	// RestNice lowers the CPU priority of the rest (0 to 19) while the
	// first pass runs: beside it, which the viewer waits for, the rest
	// takes what is left. When the first pass is done the rest goes back
	// to nice 0, so it does not yield to other work once nothing of the
	// video waits for it (where the server may raise a priority).
	RestNice int
}

// TranscodeStaged transcodes input in two ffmpeg runs at once: the first
// pass (the lowest rung, poster, preview and fingerprint) into firstDir,
// and the other rungs into restDir. The first pass is much less work,
// so it is done (and handed to s.Playable) well before the rest; the
// source is decoded twice, which costs little beside the encoders and
// lets two processes share the cores (ffmpeg's filters run on one
// thread). When both are done, restDir also holds master.m3u8 listing
// every variant, and the Output returned lists them all (its fingerprint
// is the first pass's; empty when First was given).
//
// Each pass writes into a fresh work directory of its folder and moves its
// outputs in only when it succeeded, master last; leftovers of an earlier
// attempt are removed first, and a folder holding anything else is an
// error. Each pass stops at Info's counted duration (plus a second) and
// is killed after TranscodeTimeout(info).
func (r *Runner) TranscodeStaged(ctx context.Context, input string, info *Info, firstDir, restDir string, s Staged) (*Output, error) {
	if info == nil || info.Width <= 0 || info.Height <= 0 {
		return nil, errors.New("ffmpeg: Transcode needs the Info from Probe")
	}
	for _, d := range []string{firstDir, restDir} {
		if err := cleanOutDir(d); err != nil {
			return nil, err
		}
	}
	report := func(p Pass) func(float64) {
		if s.Progress == nil {
			return nil
		}
		return func(done float64) { s.Progress(p, done) }
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rest := make(chan *Output, 1)
	restErr := make(chan error, 1)
	firstDone := make(chan struct{}) // closed when the first pass ends
	if from, to := PassRest.span(len(Ladder(info))); to > from {
		go func() {
			out, err := r.pass(ctx, input, info, PassRest, restDir, runOpts{nice: s.RestNice * btoi(s.First == nil), unnice: firstDone}, report(PassRest))
			rest <- out
			restErr <- err
		}()
	} else {
		rest <- &Output{}
		restErr <- nil
	}
	out := &Output{Renditions: s.First}
	if s.First == nil {
		var err error
		out, err = r.pass(ctx, input, info, PassFirst, firstDir, runOpts{}, report(PassFirst))
		close(firstDone)
		if err == nil && s.Playable != nil {
			err = s.Playable(out)
		}
		if err != nil {
			cancel() // the rest stops, and is waited for
			<-restErr
			return nil, err
		}
	}
	more := <-rest
	if err := <-restErr; err != nil {
		return nil, err
	}
	all := *out
	all.Renditions = append(slices.Clip(out.Renditions), more.Renditions...)
	if err := os.WriteFile(filepath.Join(restDir, MasterName), ladder.Master(all.Renditions), 0o644); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	return &all, nil
}

// pass runs one pass into outDir (see TranscodeStaged): a fresh work
// directory, then the outputs moved in, the first pass's master (of its
// own variant) last.
func (r *Runner) pass(ctx context.Context, input string, info *Info, pass Pass, outDir string, o runOpts, progress func(float64)) (*Output, error) {
	lim := r.Limits.WithDefaults()
	f, err := openInput(input, lim.MaxFileSize)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	work, err := os.MkdirTemp(outDir, workPrefix)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	defer os.RemoveAll(work)

	all := Ladder(info)
	from, to := pass.span(len(all))
	out := &Output{}
	var names []string
	if pass != PassRest {
		out.Master, out.Poster, out.Preview = MasterName, PosterName, PreviewName
		names = append(names, PosterName, PreviewName)
	}
	for i, rg := range all[from:to] {
		dir := "v" + strconv.Itoa(from+i)
		if err := os.Mkdir(filepath.Join(work, dir), 0o755); err != nil {
			return nil, fmt.Errorf("ffmpeg: %w", err)
		}
		bw := rg.MaxRate
		if info.HasAudio {
			bw += rg.AudioRate
		}
		out.Renditions = append(out.Renditions, Rendition{
			Name: rg.Name, Width: rg.Width, Height: rg.Height, Bandwidth: bw,
			Playlist: dir + "/index.m3u8",
		})
		names = append(names, dir)
	}

	ctx, cancel := context.WithTimeoutCause(ctx, r.TranscodeTimeout(info), ErrTimeout)
	defer cancel()
	fp := &capWriter{max: fingerprintBytes(info)}
	o.input, o.outDir, o.stdout = f, work, fp
	if progress != nil {
		o.progress = func(t time.Duration) { progress(min(1, t.Seconds()/max(info.Duration.Seconds(), 0.001))) }
	}
	if _, err := r.run(ctx, r.bin("ffmpeg"), r.TranscodeArgs(info, pass), o); err != nil {
		return nil, err
	}
	if pass != PassRest {
		if out.Fingerprint, err = parseFingerprint(fp); err != nil {
			return nil, err
		}
	}
	// ffmpeg's master names each variant's codecs; the master kurz
	// publishes is written from the renditions (ladder.Master).
	master, err := os.ReadFile(filepath.Join(work, MasterName))
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: missing output %s", MasterName)
	}
	infs := ladder.StreamInfs(master)
	for i, rd := range out.Renditions {
		out.Renditions[i].StreamInf = infs[rd.Playlist]
		if fi, err := os.Stat(filepath.Join(work, rd.Playlist)); err != nil || fi.Size() == 0 {
			return nil, fmt.Errorf("ffmpeg: missing output %s", rd.Playlist)
		}
	}
	if pass != PassRest {
		if err := os.WriteFile(filepath.Join(work, MasterName), ladder.Master(out.Renditions), 0o644); err != nil {
			return nil, fmt.Errorf("ffmpeg: %w", err)
		}
		names = append(names, MasterName)
	}
	for _, n := range names {
		if fi, err := os.Stat(filepath.Join(work, n)); err != nil || !fi.IsDir() && fi.Size() == 0 {
			return nil, fmt.Errorf("ffmpeg: missing output %s", n)
		}
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(work, n), filepath.Join(outDir, n)); err != nil {
			return nil, fmt.Errorf("ffmpeg: publish output: %w", err)
		}
	}
	return out, nil
}

// cleanOutDir removes what an earlier attempt left in outDir and refuses a
// directory holding anything else.
func cleanOutDir(outDir string) error {
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return fmt.Errorf("ffmpeg: output directory: %w", err)
	}
	for _, e := range entries {
		if !ownedName.MatchString(e.Name()) {
			return fmt.Errorf("ffmpeg: output directory %s holds unexpected %q", outDir, e.Name())
		}
	}
	// Master first, so no stale master survives its variants.
	var errs []error
	for _, n := range append([]string{MasterName}, names(entries)...) {
		if err := os.RemoveAll(filepath.Join(outDir, n)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func names(entries []os.DirEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out
}

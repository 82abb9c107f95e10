package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"kurz/fingerprint"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Rung is one vertical rendition of the ladder.
type Rung struct {
	Name          string // e.g. "540p"
	Width, Height int    // exact output frame size (content is letterboxed into it)
	CRF           int
	MaxRate       int // video bits/s cap
	AudioRate     int // AAC bits/s
	Profile       string
}

var ladder = []Rung{
	{Name: "360p", Width: 360, Height: 640, CRF: 23, MaxRate: 800_000, AudioRate: 96_000, Profile: "main"},
	{Name: "540p", Width: 540, Height: 960, CRF: 23, MaxRate: 1_600_000, AudioRate: 128_000, Profile: "high"},
	{Name: "720p", Width: 720, Height: 1280, CRF: 22, MaxRate: 2_800_000, AudioRate: 128_000, Profile: "high"},
}

// Ladder returns the rungs for an input, lowest first: every rung the input
// fills without upscaling (for landscape input that means letterboxing),
// and at least the smallest one. An input smaller than the smallest rung
// keeps its own size, rounded down to even.
func Ladder(info *Info) []Rung {
	var out []Rung
	w, h := float64(info.Width), float64(info.Height)
	for _, r := range ladder {
		if math.Min(float64(r.Width)/w, float64(r.Height)/h) <= 1 {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		r := ladder[0]
		r.Width, r.Height = max(info.Width&^1, 2), max(info.Height&^1, 2)
		r.Name = strconv.Itoa(min(r.Width, r.Height)) + "p"
		out = append(out, r)
	}
	return out
}

// Rendition is one HLS variant Transcode produced.
type Rendition struct {
	Name          string
	Width, Height int
	Bandwidth     int    // peak bits/s (video cap plus audio)
	Playlist      string // relative to outDir, e.g. "v0/index.m3u8"
}

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
	return min(r.Limits.withDefaults().TranscodeTimeout, 2*time.Minute+4*info.Duration)
}

// TranscodeArgs returns the exact ffmpeg arguments Transcode uses. The
// input is fd 3 (see box.go); output paths are relative: ffmpeg runs
// inside a fresh work directory of outDir. The fingerprint goes to stdout.
func (r *Runner) TranscodeArgs(info *Info) []string {
	rungs := Ladder(info)
	fpsExpr, fps := outFPS(info)
	gop := strconv.Itoa(max(1, int(math.Round(fps*segSeconds))))
	top := rungs[len(rungs)-1]

	// One decode, fanned out: N rungs, the poster frame and the preview.
	var g strings.Builder
	fmt.Fprintf(&g, "[0:v:0]fps=%s,split=%d", fpsExpr, len(rungs)+3)
	for i := range rungs {
		fmt.Fprintf(&g, "[s%d]", i)
	}
	g.WriteString("[sp][sv][sf]")
	for i, rg := range rungs {
		fmt.Fprintf(&g, ";[s%d]%s,format=yuv420p[v%d]", i, fitPad(rg.Width, rg.Height), i)
	}
	posterFrame := 0
	if info.Duration.Seconds() >= 2 {
		posterFrame = int(math.Floor(fps)) // about 1 s in
	}
	fmt.Fprintf(&g, ";[sp]trim=start_frame=%d:end_frame=%d,%s,format=yuvj420p[poster]",
		posterFrame, posterFrame+1, fitPad(top.Width, top.Height))
	fmt.Fprintf(&g, ";[sv]trim=duration=3,scale=%d:-2,setsar=1,format=yuv420p[preview]",
		max(min(360, info.Width&^1), 2))
	fmt.Fprintf(&g, ";[sf]%s[fingerprint]", fingerprintFilter)

	// Options every output gets: no metadata, chapters, data or subtitles,
	// and no encoder/muxer version tags.
	clean := []string{"-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn", "-fflags", "+bitexact"}

	a := []string{"-nostdin", "-hide_banner", "-nostats", "-v", "error"}
	a = append(a, inputArgs(r.Limits.withDefaults())...)
	a = append(a, "-t", decodeLimit(info), "-i", inputURL, "-filter_complex", g.String())
	frames := maxOutFrames(info, fps)

	// HLS ladder.
	var streamMap []string
	for i := range rungs {
		a = append(a, "-map", fmt.Sprintf("[v%d]", i))
		if info.HasAudio {
			a = append(a, "-map", "0:a:0")
			streamMap = append(streamMap, fmt.Sprintf("v:%d,a:%d", i, i))
		} else {
			streamMap = append(streamMap, fmt.Sprintf("v:%d", i))
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

func kbps(bits int) string { return strconv.Itoa(bits/1000) + "k" }

// ownedName matches the entries Transcode may create in outDir.
var ownedName = regexp.MustCompile(`^(master\.m3u8|poster\.jpg|preview\.mp4|v[0-9]+|\.work-.*)$`)

// Transcode runs one ffmpeg process that writes, into outDir,
// master.m3u8, v0/index.m3u8 + v0/seg_00000.ts … (one variant per rung,
// lowest first), poster.jpg and preview.mp4, and returns the video's
// temporal fingerprint with them.
//
// Staging: ffmpeg writes into a fresh outDir/.work-* directory; only when it
// succeeded are the variant folders, poster and preview renamed into outDir,
// master.m3u8 last, so a master playlist only ever points at complete
// variants. Leftovers of an earlier failed or killed attempt (anything
// Transcode itself creates) are removed first, so a rerun yields one set;
// any other entry in outDir is an error. Run one Transcode per outDir at a
// time. The caller still treats outDir as a staging directory and publishes
// it by renaming it after success.
//
// The decode stops at Info's counted duration (plus a second) and every
// output at the frames that fit in it; the run is killed after
// TranscodeTimeout(info).
func (r *Runner) Transcode(ctx context.Context, input string, info *Info, outDir string) (*Output, error) {
	if info == nil || info.Width <= 0 || info.Height <= 0 {
		return nil, errors.New("ffmpeg: Transcode needs the Info from Probe")
	}
	lim := r.Limits.withDefaults()
	f, err := openInput(input, lim.MaxFileSize)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := cleanOutDir(outDir); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(outDir, workPrefix)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	defer os.RemoveAll(work)

	rungs := Ladder(info)
	out := &Output{Master: MasterName, Poster: PosterName, Preview: PreviewName}
	for i, rg := range rungs {
		dir := "v" + strconv.Itoa(i)
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
	}

	ctx, cancel := context.WithTimeoutCause(ctx, r.TranscodeTimeout(info), ErrTimeout)
	defer cancel()
	fp := &capWriter{max: fingerprintBytes(info)}
	if _, err := r.run(ctx, r.bin("ffmpeg"), r.TranscodeArgs(info), runOpts{input: f, outDir: work, stdout: fp}); err != nil {
		return nil, err
	}
	if out.Fingerprint, err = parseFingerprint(fp); err != nil {
		return nil, err
	}

	// Publish: everything but the master first, the master last.
	names := []string{PosterName, PreviewName}
	for _, rd := range out.Renditions {
		names = append(names, filepath.Dir(rd.Playlist))
		if fi, err := os.Stat(filepath.Join(work, rd.Playlist)); err != nil || fi.Size() == 0 {
			return nil, fmt.Errorf("ffmpeg: missing output %s", rd.Playlist)
		}
	}
	names = append(names, MasterName)
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

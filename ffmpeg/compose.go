package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Remix kinds Compose makes (the same words as kurz.Remix*).
const (
	ComposeSound  = "sound"
	ComposeDuet   = "duet"
	ComposeStitch = "stitch"
	// ComposeDuetTop is a duet stacked: the upload above the source.
	ComposeDuetTop = "duet_top"
)

// SourceName is the file, in Compose's folder, that holds the source
// video; ComposedName is what Compose writes there.
const (
	SourceName   = "source.ts"
	ComposedName = "composed.mp4"
)

// StitchMax is the longest part of a source a stitch starts with.
const StitchMax = 5 * time.Second

// composeSize is the frame each half of a duet is fitted into, and the
// frame of a stitch.
const (
	duetW, duetH     = 360, 640
	stackW, stackH   = 720, 640
	stitchW, stitchH = 720, 1280
)

// ComposeArgs are the arguments of one composition of the upload (fd 3,
// described by info) with the source (SourceName, described by src):
//
//   - sound: the upload's picture with the source's audio (padded with
//     silence, cut to the upload's length);
//   - duet: the upload (left) and the source (right) side by side, each
//     fitted into 360x640, as long as the upload, their audio mixed;
//   - duet_top: the same, stacked: the upload above the source, each
//     fitted into 720x640 (a 720x1280 frame);
//   - stitch: the source's first StitchMax (or less), then the upload,
//     both fitted into 720x1280.
//
// The result is an intermediate MP4 that is then probed and transcoded
// like any upload.
func (r *Runner) ComposeArgs(kind string, info, src *Info) ([]string, error) {
	lim := r.Limits.WithDefaults()
	d := strconv.FormatFloat(info.Duration.Seconds(), 'f', 3, 64)
	silence := func(label, dur string) string {
		return "anullsrc=r=48000:cl=stereo,atrim=duration=" + dur + label
	}
	norm := ",aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
	var g string
	switch kind {
	case ComposeSound:
		g = "[0:v]null[v];"
		if src.HasAudio {
			g += "[1:a]apad,atrim=duration=" + d + norm + "[a]"
		} else {
			g += silence("[a]", d)
		}
	case ComposeDuet, ComposeDuetTop:
		w, h, stack := duetW, duetH, "hstack"
		if kind == ComposeDuetTop {
			w, h, stack = stackW, stackH, "vstack"
		}
		g = fmt.Sprintf("[0:v]%s,fps=30[l];[1:v]%s,fps=30,tpad=stop_mode=clone:stop_duration=%s[r];[l][r]%s=inputs=2:shortest=1[v];",
			fitPad(w, h), fitPad(w, h), d, stack)
		switch {
		case info.HasAudio && src.HasAudio:
			g += "[0:a]" + norm[1:] + "[ua];[1:a]apad" + norm + "[sa];[ua][sa]amix=inputs=2:duration=first:normalize=0,atrim=duration=" + d + "[a]"
		case info.HasAudio:
			g += "[0:a]apad,atrim=duration=" + d + norm + "[a]"
		case src.HasAudio:
			g += "[1:a]apad,atrim=duration=" + d + norm + "[a]"
		default:
			g += silence("[a]", d)
		}
	case ComposeStitch:
		s := strconv.FormatFloat(min(src.Duration, StitchMax).Seconds(), 'f', 3, 64)
		g = fmt.Sprintf("[1:v]trim=duration=%s,setpts=PTS-STARTPTS,%s,fps=30,format=yuv420p[sv];[0:v]%s,fps=30,format=yuv420p[uv];",
			s, fitPad(stitchW, stitchH), fitPad(stitchW, stitchH))
		if src.HasAudio {
			g += "[1:a]atrim=duration=" + s + ",asetpts=PTS-STARTPTS" + norm + "[sa];"
		} else {
			g += silence("[sa];", s)
		}
		if info.HasAudio {
			g += "[0:a]apad,atrim=duration=" + d + ",asetpts=PTS-STARTPTS" + norm + "[ua];"
		} else {
			g += silence("[ua];", d)
		}
		g += "[sv][sa][uv][ua]concat=n=2:v=1:a=1[v][a]"
	default:
		return nil, fmt.Errorf("ffmpeg: unknown composition %q", kind)
	}
	a := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	a = append(a, inputArgs(lim)...)
	a = append(a, "-t", decodeLimit(info), "-i", InputURL)
	a = append(a, inputArgs(lim)...)
	a = append(a, "-i", "file:"+SourceName, "-filter_complex", g, "-map", "[v]", "-map", "[a]",
		"-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", "-threads:v", strconv.Itoa(max(r.Threads, 1)),
		"-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart", "-f", "mp4", ComposedName)
	return a, nil
}

// Compose makes a remix of the upload at input (described by info, from
// Probe) with the source video in dir/SourceName (described by src, from
// Probe) and returns the path of the result, dir/ComposedName. It runs in
// the media box like every decode: the upload is its only input file
// besides dir, the only folder it may write.
func (r *Runner) Compose(ctx context.Context, kind, input string, info *Info, src *Info, dir string) (string, error) {
	if info == nil || src == nil {
		return "", errors.New("ffmpeg: Compose needs the Info of both inputs")
	}
	args, err := r.ComposeArgs(kind, info, src)
	if err != nil {
		return "", err
	}
	lim := r.Limits.WithDefaults()
	f, err := openInput(input, lim.MaxFileSize)
	if err != nil {
		return "", err
	}
	defer f.Close()
	out := filepath.Join(dir, ComposedName)
	os.Remove(out)
	ctx, cancel := context.WithTimeout(ctx, r.TranscodeTimeout(info))
	defer cancel()
	if _, err := r.run(ctx, r.bin("ffmpeg"), args, runOpts{input: f, outDir: dir}); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("%w (%v)", ErrTimeout, err)
		}
		return "", fmt.Errorf("ffmpeg: compose: %w", err)
	}
	return out, nil
}

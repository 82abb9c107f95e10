package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DownloadName is the file of a video's download, beside its media.
const DownloadName = "download.mp4"

// markName holds the watermark's text for drawtext (read as a file, so
// no text is ever parsed as filter syntax).
const markName = "mark.txt"

// Fonts the watermark is drawn with, the first found (Debian's
// fonts-dejavu-core; scripts/setup.sh installs it).
var Fonts = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}

func font() (string, error) {
	for _, f := range Fonts {
		if _, err := os.Stat(f); err == nil {
			return f, nil
		}
	}
	return "", errors.New("ffmpeg: no font for the watermark (apt-get install fonts-dejavu-core)")
}

// WatermarkArgs are the arguments that make a download of input (fd 3):
// the same picture and sound as an MP4, with text in the lower right
// corner.
func (r *Runner) WatermarkArgs(info *Info, fontFile string) []string {
	lim := r.Limits.WithDefaults()
	a := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	a = append(a, inputArgs(lim)...)
	a = append(a, "-t", decodeLimit(info), "-i", InputURL,
		"-vf", "drawtext=fontfile="+fontFile+":textfile="+markName+":expansion=none:fontcolor=white@0.85:fontsize=h/30:"+
			"x=w-tw-h/40:y=h-th-h/40:box=1:boxcolor=black@0.35:boxborderw=6",
		"-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", DownloadName)
	return a
}

// Watermark makes dir/DownloadName from input (described by info, from
// Probe) with text drawn on it, in the media box.
func (r *Runner) Watermark(ctx context.Context, input string, info *Info, text, dir string) (string, error) {
	fontFile, err := font()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, markName), []byte(text), 0o644); err != nil {
		return "", err
	}
	lim := r.Limits.WithDefaults()
	f, err := openInput(input, lim.MaxFileSize)
	if err != nil {
		return "", err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, r.TranscodeTimeout(info))
	defer cancel()
	if _, err := r.run(ctx, r.bin("ffmpeg"), r.WatermarkArgs(info, fontFile), runOpts{input: f, outDir: dir}); err != nil {
		return "", fmt.Errorf("ffmpeg: watermark: %w", err)
	}
	return filepath.Join(dir, DownloadName), nil
}

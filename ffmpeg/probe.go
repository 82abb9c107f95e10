package ffmpeg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Info is what Probe learned about an accepted input.
type Info struct {
	Format        string // demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Width, Height int    // display dimensions after rotation
	Rotation      int    // display matrix angle (counter-clockwise): 0, 90, 180 or 270
	Duration      time.Duration
	FPS           float64
	HasAudio      bool
	VideoCodec    string
}

// probeOutput is the subset of `ffprobe -of json` that Probe reads.
type probeOutput struct {
	Streams []struct {
		CodecType    string            `json:"codec_type"`
		CodecName    string            `json:"codec_name"`
		Width        int               `json:"width"`
		Height       int               `json:"height"`
		AvgFrameRate string            `json:"avg_frame_rate"`
		RFrameRate   string            `json:"r_frame_rate"`
		Duration     string            `json:"duration"`
		Tags         map[string]string `json:"tags"`
		Disposition  map[string]int    `json:"disposition"`
		SideData     []struct {
			Type     string `json:"side_data_type"`
			Rotation *int   `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		NbStreams  int    `json:"nb_streams"`
	} `json:"format"`
}

// Probe checks the input's magic bytes, runs ffprobe on it under the
// Runner's limits and returns what it found. An unacceptable input yields a
// *RejectError; a timeout yields an error matching ErrTimeout.
func (r *Runner) Probe(ctx context.Context, input string) (*Info, error) {
	lim := r.Limits.withDefaults()
	abs, err := filepath.Abs(input)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	if _, err := sniffFile(abs, lim.MaxFileSize); err != nil {
		return nil, err
	}
	return r.probeFile(ctx, abs, lim)
}

// probeFile runs ffprobe on an absolute path that already passed sniffing.
func (r *Runner) probeFile(ctx context.Context, abs string, lim Limits) (*Info, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, lim.ProbeTimeout, ErrTimeout)
	defer cancel()
	args := append([]string{"-hide_banner", "-v", "error"}, inputArgs(lim)...)
	args = append(args, "-show_streams", "-show_format", "-of", "json", "file:"+abs)
	out, stderr, err := r.run(ctx, r.bin("ffprobe"), args, filepath.Dir(abs), 4<<20)
	if err != nil {
		var ee *execError
		if errors.As(err, &ee) {
			return nil, probeFailure(ee.stderr)
		}
		return nil, err
	}
	var po probeOutput
	if err := json.Unmarshal(out, &po); err != nil {
		return nil, reject("this file is not a video we can read")
	}
	return checkProbe(&po, stderr, lim)
}

// probeFailure turns ffprobe's complaint into a reason a person can act on.
func probeFailure(stderr string) error {
	switch {
	case strings.Contains(stderr, "moov atom not found"),
		strings.Contains(stderr, "End of file"):
		return reject("this video file is damaged or incomplete")
	case strings.Contains(stderr, "exceeds max_streams"):
		return reject("this file has too many streams")
	}
	return reject("this file is not a video we can read")
}

var invalidSize = regexp.MustCompile(`Picture size ([0-9]{1,9})x([0-9]{1,9}) is invalid`)

// checkProbe applies the limits to ffprobe's report; stderr is its log.
func checkProbe(po *probeOutput, stderr string, lim Limits) (*Info, error) {
	info := &Info{Format: po.Format.FormatName}
	if po.Format.NbStreams > lim.MaxStreams || len(po.Streams) > lim.MaxStreams {
		return nil, reject(fmt.Sprintf("this file has too many streams (%d, at most %d)",
			max(po.Format.NbStreams, len(po.Streams)), lim.MaxStreams))
	}
	video := -1
	for i, s := range po.Streams {
		switch s.CodecType {
		case "video":
			// Cover art in audio files is a one-picture "video" stream.
			if video < 0 && s.Disposition["attached_pic"] == 0 {
				video = i
			}
		case "audio":
			info.HasAudio = true
		}
	}
	if video < 0 {
		if info.HasAudio {
			return nil, reject("this file has no video (audio only?)")
		}
		return nil, reject("this file has no video")
	}
	vs := po.Streams[video]
	info.VideoCodec = vs.CodecName
	if vs.Width <= 0 || vs.Height <= 0 {
		// ffmpeg zeroes sizes it considers absurd (about 16k×16k and up).
		if m := invalidSize.FindStringSubmatch(stderr); m != nil {
			return nil, reject(fmt.Sprintf("video dimensions too large (%sx%s)", m[1], m[2]))
		}
		return nil, reject("this video file is damaged or incomplete")
	}
	long, short := max(vs.Width, vs.Height), min(vs.Width, vs.Height)
	if long > max(lim.MaxWidth, lim.MaxHeight) || short > min(lim.MaxWidth, lim.MaxHeight) ||
		vs.Width*vs.Height > lim.MaxPixels {
		return nil, reject(fmt.Sprintf("video dimensions too large (%dx%d)", vs.Width, vs.Height))
	}

	// The display matrix angle is counter-clockwise, the legacy tag clockwise.
	rot := 0
	if t, ok := vs.Tags["rotate"]; ok {
		rot, _ = strconv.Atoi(t)
		rot = -rot
	}
	for _, sd := range vs.SideData {
		if sd.Type == "Display Matrix" && sd.Rotation != nil {
			rot = *sd.Rotation
		}
	}
	rot = ((rot%360)+360)%360 + 45 // round to a quarter turn
	info.Rotation = rot / 90 % 4 * 90
	info.Width, info.Height = vs.Width, vs.Height
	if info.Rotation == 90 || info.Rotation == 270 {
		info.Width, info.Height = vs.Height, vs.Width
	}

	info.FPS = parseRate(vs.AvgFrameRate)
	if info.FPS == 0 {
		info.FPS = parseRate(vs.RFrameRate)
	}
	if info.FPS <= 0 {
		return nil, reject("this video file is damaged or incomplete")
	}
	if info.FPS > lim.MaxFPS {
		return nil, reject(fmt.Sprintf("frame rate too high (%.0f fps, at most %.0f)", info.FPS, lim.MaxFPS))
	}

	d := max(parseSeconds(vs.Duration), parseSeconds(po.Format.Duration))
	if d <= 0 {
		return nil, reject("this video file is damaged or incomplete")
	}
	if d > lim.MaxDuration.Seconds() {
		return nil, reject("video longer than " + humanDuration(lim.MaxDuration))
	}
	info.Duration = time.Duration(d * float64(time.Second))
	return info, nil
}

// parseRate parses an ffprobe rational like "30000/1001"; invalid is 0.
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	n, err1 := strconv.ParseFloat(num, 64)
	if !ok {
		den = "1"
	}
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 || math.IsNaN(n/d) || math.IsInf(n/d, 0) || n/d < 0 {
		return 0
	}
	return n / d
}

func parseSeconds(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return f
}

// humanDuration renders a limit like "10 minutes" or "90 seconds".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	if d >= time.Minute && d%time.Minute == 0 {
		return plural(int64(d/time.Minute), "minute")
	}
	if d >= time.Second {
		return plural(int64(d/time.Second), "second")
	}
	return d.String()
}

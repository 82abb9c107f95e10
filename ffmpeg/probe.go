package ffmpeg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
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
	Frames        int // video frames counted in the packets

	videoIndex, audioIndex int // stream indexes of the video and first audio stream
}

// probeOutput is the subset of `ffprobe -of json` that Probe reads.
type probeOutput struct {
	Streams []struct {
		Index        int               `json:"index"`
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
// Runner's limits, then counts what it really holds (see count) and returns
// what it found. An unacceptable input yields a *RejectError; a timeout
// yields an error matching ErrTimeout.
func (r *Runner) Probe(ctx context.Context, input string) (*Info, error) {
	lim := r.Limits.WithDefaults()
	f, err := openInput(input, lim.MaxFileSize)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := r.probeFile(ctx, f, lim)
	if err != nil {
		return nil, err
	}
	if err := r.count(ctx, f, info, lim); err != nil {
		return nil, err
	}
	return info, nil
}

// probeFile runs ffprobe on an open input that already passed sniffing and
// checks what the headers say.
func (r *Runner) probeFile(ctx context.Context, f *os.File, lim Limits) (*Info, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, lim.ProbeTimeout, ErrTimeout)
	defer cancel()
	args := append([]string{"-hide_banner", "-v", "error"}, inputArgs(lim)...)
	args = append(args, "-show_streams", "-show_format", "-of", "json", InputURL)
	out := &capWriter{max: 4 << 20}
	stderr, err := r.run(ctx, r.bin("ffprobe"), args, runOpts{input: f, stdout: out})
	if err != nil {
		var ee *execError
		if errors.As(err, &ee) {
			return nil, probeFailure(ee.stderr)
		}
		return nil, err
	}
	if out.over {
		return nil, reject("this file has too many streams")
	}
	var po probeOutput
	if err := json.Unmarshal(out.buf.Bytes(), &po); err != nil {
		return nil, reject("this file is not a video we can read")
	}
	return checkProbe(&po, stderr, lim)
}

// count demuxes every packet of the input, decoding none, and measures
// what the header only claims: the duration from the packets' timestamps
// (of the video and first audio stream, the ones transcoded), the number
// of video frames and the number of streams. It stops at the first limit
// passed, so a 2-hour file whose header claims 5 seconds is refused after
// reading 10 minutes' worth of packets, in well under a second. Info's
// Duration and Frames become the counted values.
func (r *Runner) count(ctx context.Context, f *os.File, info *Info, lim Limits) error {
	ctx, cancel := context.WithTimeoutCause(ctx, lim.ProbeTimeout, ErrTimeout)
	defer cancel()
	c := &counter{lim: lim, video: info.videoIndex, audio: info.audioIndex, stop: cancel,
		claimed: info.Duration, streams: map[int]bool{}, start: math.Inf(1), end: math.Inf(-1)}
	args := append([]string{"-hide_banner", "-v", "error"}, inputArgs(lim)...)
	args = append(args, "-show_entries", "packet=stream_index,pts_time,dts_time,duration_time", "-of", "csv=p=0", InputURL)
	_, err := r.run(ctx, r.bin("ffprobe"), args, runOpts{input: f, stdout: c})
	if c.verdict != nil {
		return c.verdict
	}
	if err != nil {
		var ee *execError
		if errors.As(err, &ee) {
			return probeFailure(ee.stderr)
		}
		return err
	}
	c.line(c.partial)
	if c.verdict != nil {
		return c.verdict
	}
	if c.frames == 0 || c.end <= c.start {
		return reject("this video file is damaged or incomplete")
	}
	info.Frames = c.frames
	info.Duration = time.Duration((c.end - c.start) * float64(time.Second))
	return nil
}

// counter reads ffprobe's packet lines ("stream,pts,dts,duration") as they
// come and stops the run at the first limit passed.
type counter struct {
	lim          Limits
	video, audio int
	claimed      time.Duration
	stop         func()

	partial    []byte
	streams    map[int]bool
	frames     int
	start, end float64 // seconds, over the video and audio packets
	verdict    error
}

func (c *counter) Write(p []byte) (int, error) {
	n := len(p)
	if c.verdict != nil {
		return n, nil
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(c.partial)+len(p) > 256 {
				c.fail(reject("this video file is damaged or incomplete"))
				return n, nil
			}
			c.partial = append(c.partial, p...)
			break
		}
		c.line(append(c.partial, p[:i]...))
		c.partial = c.partial[:0]
		p = p[i+1:]
		if c.verdict != nil {
			break
		}
	}
	return n, nil
}

func (c *counter) fail(err error) {
	c.verdict = err
	c.stop()
}

func (c *counter) line(l []byte) {
	f := strings.Split(strings.TrimSpace(string(l)), ",")
	if len(f) < 4 {
		return
	}
	idx, err := strconv.Atoi(f[0])
	if err != nil || idx < 0 {
		return
	}
	if !c.streams[idx] {
		c.streams[idx] = true
		if len(c.streams) > c.lim.MaxStreams {
			c.fail(reject(fmt.Sprintf("this file has too many streams (more than %d)", c.lim.MaxStreams)))
			return
		}
	}
	if idx != c.video && idx != c.audio {
		return
	}
	ts, ok := parseTime(f[1])
	if !ok {
		if ts, ok = parseTime(f[2]); !ok {
			return
		}
	}
	dur, _ := parseTime(f[3])
	c.start, c.end = math.Min(c.start, ts), math.Max(c.end, ts+math.Max(dur, 0))
	if idx == c.video {
		c.frames++
		if c.frames > c.lim.MaxFrames {
			c.fail(reject(fmt.Sprintf("this video has too many frames (more than %d)", c.lim.MaxFrames)))
			return
		}
	}
	d := c.end - c.start
	if d > c.lim.MaxDuration.Seconds() {
		msg := "video longer than " + humanDuration(c.lim.MaxDuration)
		if c.claimed > 0 && c.claimed <= c.lim.MaxDuration {
			msg += fmt.Sprintf(" (although the file claims %s)", humanDuration(c.claimed.Round(time.Second)))
		}
		c.fail(reject(msg))
		return
	}
	// A frame rate far above the limit over at least a second of video.
	if d >= 1 && float64(c.frames) > (d+1)*c.lim.MaxFPS {
		c.fail(reject(fmt.Sprintf("frame rate too high (over %.0f fps)", c.lim.MaxFPS)))
	}
}

// parseTime reads ffprobe's seconds ("12.345000", "N/A" is not ok).
func parseTime(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// probeFailure turns ffprobe's complaint into a reason a person can act on.
func probeFailure(stderr string) error {
	switch {
	case strings.Contains(stderr, "moov atom not found"),
		strings.Contains(stderr, "End of file"):
		return reject("this video file is damaged or incomplete")
	case strings.Contains(stderr, "exceeds max_streams"):
		return reject("this file has too many streams")
	case invalidSize.MatchString(stderr):
		m := invalidSize.FindStringSubmatch(stderr)
		return reject(fmt.Sprintf("video dimensions too large (%sx%s)", m[1], m[2]))
	}
	return reject("this file is not a video we can read")
}

// invalidSize is ffmpeg's complaint about absurd sizes, or sizes past
// -max_pixels.
var invalidSize = regexp.MustCompile(`Picture size ([0-9]{1,9})x([0-9]{1,9}) (is invalid|exceeds)`)

// checkProbe applies the limits to ffprobe's report; stderr is its log.
func checkProbe(po *probeOutput, stderr string, lim Limits) (*Info, error) {
	info := &Info{Format: po.Format.FormatName, videoIndex: -1, audioIndex: -1}
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
			if !info.HasAudio {
				info.audioIndex = s.Index
			}
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
	info.videoIndex = vs.Index
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

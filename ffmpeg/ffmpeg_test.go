package ffmpeg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"kurz/internal/mediatest"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// mustFFmpeg generates test media; every fixture is made here, never checked in.
func mustFFmpeg(tb testing.TB, args ...string) { tb.Helper(); mediatest.FFmpeg(tb, args...) }

// mustClip writes a w×h test pattern of d seconds (with a tone if audio).
func mustClip(tb testing.TB, path string, w, h int, d float64, audio bool, extra ...string) {
	tb.Helper()
	mediatest.Clip(tb, path, w, h, d, audio, extra...)
}

func mustWrite(tb testing.TB, path string, data []byte) string {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func mustReject(tb testing.TB, err error, want string) {
	tb.Helper()
	var re *RejectError
	if !errors.As(err, &re) {
		tb.Fatalf("err = %v, want a RejectError mentioning %q", err, want)
	}
	if !strings.Contains(re.Reason, want) {
		tb.Fatalf("reason = %q, want it to mention %q", re.Reason, want)
	}
}

func ffprobeJSON(tb testing.TB, path string) string {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	return string(out)
}

func TestTranscodeArgsGolden(t *testing.T) {
	t.Parallel()
	portrait := Info{Width: 1080, Height: 1920, FPS: 30, Duration: 15 * time.Second, HasAudio: true}
	for _, tc := range []struct {
		name string
		info Info
		pass Pass
	}{
		{"portrait_1080x1920", portrait, PassAll},
		{"portrait_1080x1920_first", portrait, PassFirst},
		{"portrait_1080x1920_rest", portrait, PassRest},
		{"landscape_1920x1080", Info{Width: 1920, Height: 1080, FPS: 60, Duration: 15 * time.Second, HasAudio: true}, PassAll},
		{"tiny_silent_240x426", Info{Width: 240, Height: 426, FPS: 30000.0 / 1001, Duration: time.Second}, PassFirst},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Runner{Threads: 2}
			got := strings.Join(r.TranscodeArgs(&tc.info, tc.pass), "\n") + "\n"
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				mustWrite(t, path, []byte(got))
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("args differ from %s (run with -update after review):\n%s", path, got)
			}
		})
	}
}

func TestLadder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w, h int
		want string
	}{
		{1080, 1920, "360x640 540x960 720x1280"},
		{720, 1280, "360x640 540x960 720x1280"},
		{480, 854, "360x640"},
		{540, 960, "360x640 540x960"},
		{1920, 1080, "360x640 540x960 720x1280"}, // letterboxed
		{640, 360, "360x640 540x960"},            // 540x304 inside 540x960: still a downscale
		{2160, 3840, "360x640 540x960 720x1280"},
		{240, 426, "240x426"},
		{175, 311, "174x310"},
		{320, 180, "320x180"},
	} {
		var got []string
		for _, r := range Ladder(&Info{Width: tc.w, Height: tc.h}) {
			if r.Width%2 != 0 || r.Height%2 != 0 {
				t.Errorf("%dx%d: odd rung %dx%d", tc.w, tc.h, r.Width, r.Height)
			}
			got = append(got, fmt.Sprintf("%dx%d", r.Width, r.Height))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("Ladder(%dx%d) = %s, want %s", tc.w, tc.h, g, tc.want)
		}
	}
}

func ExampleLadder() {
	for _, r := range Ladder(&Info{Width: 1080, Height: 1920}) {
		fmt.Println(r.Name, r.Width, r.Height)
	}
	// Output:
	// 360p 360 640
	// 540p 540 960
	// 720p 720 1280
}

func TestTranscode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "upload.mov")
	secrets := []string{"TestPhoneMake", "TestPhoneModel", "48.8577", "2.2950", "2011-11-11", "SecretTitle"}
	mustClip(t, in, 1080, 1920, 2, true,
		"-metadata", "location=+48.8577+002.2950/",
		"-metadata", "com.apple.quicktime.location.ISO6709=+48.8577+002.2950+035.000/",
		"-metadata", "creation_time=2011-11-11T11:11:11Z",
		"-metadata", "make=TestPhoneMake", "-metadata", "model=TestPhoneModel",
		"-metadata:s:v", "title=SecretTitle", "-metadata:s:a", "handler_name=TestPhoneMake")
	if !bytes.Contains(must(os.ReadFile(in)), []byte("TestPhoneMake")) {
		t.Fatal("fixture lacks the injected metadata")
	}

	r := &Runner{}
	info, err := r.Probe(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 1080 || info.Height != 1920 || !info.HasAudio || info.VideoCodec != "h264" ||
		info.FPS != 30 || info.Duration < 1900*time.Millisecond {
		t.Fatalf("Probe = %+v", info)
	}

	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Leftovers of a killed attempt are replaced, not mixed in.
	mustWrite(t, filepath.Join(outDir, "master.m3u8"), []byte("stale"))
	if err := os.MkdirAll(filepath.Join(outDir, ".work-123", "v0"), 0o755); err != nil {
		t.Fatal(err)
	}

	out, err := r.Transcode(context.Background(), in, info, outDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Renditions) != 3 || out.Renditions[2].Playlist != "v2/index.m3u8" || out.Renditions[0].Height != 640 {
		t.Fatalf("Output = %+v", out)
	}
	master := string(must(os.ReadFile(filepath.Join(outDir, out.Master))))
	if n := strings.Count(master, "#EXT-X-STREAM-INF"); n != 3 {
		t.Fatalf("master lists %d variants:\n%s", n, master)
	}
	for _, rd := range out.Renditions {
		if !strings.Contains(master, rd.Playlist) || !strings.Contains(master, fmt.Sprintf("RESOLUTION=%dx%d", rd.Width, rd.Height)) {
			t.Errorf("master lacks %+v", rd)
		}
		js := ffprobeJSON(t, filepath.Join(outDir, rd.Playlist))
		if !strings.Contains(js, fmt.Sprintf(`"width": %d`, rd.Width)) || !strings.Contains(js, `"codec_name": "aac"`) {
			t.Errorf("%s: unexpected streams:\n%s", rd.Playlist, js)
		}
	}
	prev := ffprobeJSON(t, filepath.Join(outDir, out.Preview))
	if !strings.Contains(prev, `"width": 360`) || strings.Contains(prev, `"codec_type": "audio"`) {
		t.Errorf("preview:\n%s", prev)
	}
	poster := must(os.ReadFile(filepath.Join(outDir, out.Poster)))
	if !bytes.HasPrefix(poster, []byte{0xFF, 0xD8, 0xFF}) || bytes.Contains(poster, []byte("Exif")) {
		t.Errorf("poster is not a plain JPEG: % x", poster[:min(16, len(poster))])
	}

	// Nothing identifying in any byte of any output, and no staging left.
	var files int
	err = filepath.WalkDir(outDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if err == nil && strings.HasPrefix(d.Name(), ".work-") {
				t.Errorf("staging dir left behind: %s", path)
			}
			return err
		}
		files++
		data := must(os.ReadFile(path))
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3+3+2 {
		t.Errorf("only %d files produced", files)
	}
}

func TestProbeRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in, src := filepath.Join(dir, "rot.mp4"), filepath.Join(dir, "src.mp4")
	mustClip(t, src, 320, 180, 0.5, false)
	mustFFmpeg(t, "-i", src, "-c", "copy", "-metadata:s:v", "rotate=90", in) // 5.1 honours the tag only on copy
	info, err := (&Runner{}).Probe(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 180 || info.Height != 320 || info.Rotation != 90 || info.HasAudio {
		t.Fatalf("Probe = %+v", info)
	}
}

// listener counts connections; hostile inputs point at it and it must stay at 0.
func listener(t *testing.T) (addr string, conns *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), conns
}

func TestHostileInputs(t *testing.T) {
	t.Parallel()
	addr, conns := listener(t)
	dir := t.TempDir()
	playlist := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n" +
		"#EXTINF:10.0,\nhttp://" + addr + "/x.ts\n#EXTINF:10.0,\nfile:///etc/passwd\n" +
		"#EXTINF:10.0,\n/etc/passwd\n#EXT-X-ENDLIST\n"

	type tc struct {
		name, want string
		make       func(path string)
		limits     Limits
		bypass     bool // also feed ffprobe and ffmpeg directly, skipping the sniffer
	}
	cases := []tc{
		{name: "empty.mp4", want: "the file is empty", make: func(p string) { mustWrite(t, p, nil) }},
		{name: "text.mp4", want: "not a video", make: func(p string) {
			mustWrite(t, p, []byte("just some notes, definitely not a video\n"))
		}},
		{name: "image.mp4", want: "image, not a video", make: func(p string) {
			png := p + ".png"
			mustFFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=64x64", "-frames:v", "1", png)
			must(0, os.Rename(png, p))
		}},
		{name: "truncated.mp4", want: "damaged or incomplete", make: func(p string) {
			mustClip(t, p, 320, 568, 3, true) // moov at the end: no faststart
			data := must(os.ReadFile(p))
			mustWrite(t, p, data[:len(data)*3/10])
		}},
		{name: "audio.m4a", want: "no video (audio only?)", make: func(p string) {
			mustFFmpeg(t, "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", p)
		}},
		{name: "huge.avi", want: "dimensions too large (20000x20000)", make: func(p string) {
			mustFFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=16x16:r=5:d=0.4", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", p)
			mustWrite(t, p, patchAVISize(t, must(os.ReadFile(p)), 20000, 20000))
		}},
		{name: "big.avi", want: "dimensions too large (8000x4000)", make: func(p string) {
			mustFFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=16x16:r=5:d=0.4", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", p)
			mustWrite(t, p, patchAVISize(t, must(os.ReadFile(p)), 8000, 4000))
		}},
		{name: "long.mp4", want: "video longer than 1 second", limits: Limits{MaxDuration: time.Second}, make: func(p string) {
			mustClip(t, p, 64, 114, 3, false)
		}},
		{name: "fps.mkv", want: "frame rate too high", make: func(p string) {
			mustFFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=32x32:r=240:d=0.2", "-c:v", "libx264", "-preset", "ultrafast", p)
		}},
		{name: "streams.mkv", want: "too many streams", make: func(p string) {
			args := []string{"-f", "lavfi", "-i", "testsrc2=s=32x32:r=5:d=0.4", "-f", "lavfi", "-i", "sine=d=0.4", "-map", "0:v"}
			for range 12 {
				args = append(args, "-map", "1:a")
			}
			mustFFmpeg(t, append(args, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", p)...)
		}},
		{name: "streams40.mkv", want: "too many streams", make: func(p string) {
			args := []string{"-f", "lavfi", "-i", "testsrc2=s=32x32:r=5:d=0.4", "-f", "lavfi", "-i", "sine=d=0.4", "-map", "0:v"}
			for range 40 {
				args = append(args, "-map", "1:a")
			}
			mustFFmpeg(t, append(args, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", p)...)
		}},
		{name: "hls.mp4", want: "playlist", bypass: true, make: func(p string) { mustWrite(t, p, []byte(playlist)) }},
		{name: "hls_bom.mp4", want: "playlist", bypass: true, make: func(p string) {
			mustWrite(t, p, []byte("\xEF\xBB\xBF"+playlist))
		}},
		{name: "concat.mp4", want: "playlist", bypass: true, make: func(p string) {
			mustWrite(t, p, []byte("ffconcat version 1.0\nfile '/etc/passwd'\nfile 'http://"+addr+"/x.ts'\n"))
		}},
		{name: "gab2.avi", want: "no video", bypass: true, make: func(p string) { mustWrite(t, p, gab2AVI(playlist)) }},
	}
	t.Run("group", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(dir, c.name)
				c.make(path)
				c.limits.ProbeTimeout = 15 * time.Second
				r := &Runner{Limits: c.limits}
				start := time.Now()
				info, err := r.Probe(context.Background(), path)
				if info != nil {
					t.Fatalf("accepted: %+v", info)
				}
				mustReject(t, err, c.want)
				if strings.Contains(err.Error(), "root:x:") {
					t.Fatalf("error leaks /etc/passwd: %v", err)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("took %v", d)
				}
				if c.bypass {
					bypassSniffer(t, path)
				}
			})
		}
	})
	if n := conns.Load(); n != 0 {
		t.Fatalf("hostile inputs made %d outbound connections", n)
	}
}

// bypassSniffer proves the ffprobe and ffmpeg flags alone refuse a file the
// sniffer would have stopped: no success, no /etc/passwd in any output.
func bypassSniffer(t *testing.T, path string) {
	r := &Runner{Limits: Limits{ProbeTimeout: 15 * time.Second, TranscodeTimeout: 15 * time.Second}}
	in := must(os.Open(path))
	defer in.Close()
	info, err := r.probeFile(context.Background(), in, r.Limits.WithDefaults())
	if err == nil {
		t.Fatalf("ffprobe accepted %+v", info)
	}
	if strings.Contains(err.Error(), "root:x:") {
		t.Fatalf("probe error leaks /etc/passwd: %v", err)
	}
	work := t.TempDir()
	fake := &Info{Width: 360, Height: 640, FPS: 30, Duration: 10 * time.Second, HasAudio: true}
	for i := range Ladder(fake) {
		must(0, os.Mkdir(filepath.Join(work, fmt.Sprint("v", i)), 0o755))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err = r.run(ctx, "ffmpeg", r.TranscodeArgs(fake, PassAll), runOpts{input: in, outDir: work})
	if err == nil {
		t.Fatal("ffmpeg transcoded a hostile file")
	}
	if strings.Contains(err.Error(), "root:x:") {
		t.Fatalf("ffmpeg error leaks /etc/passwd: %v", err)
	}
	filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && bytes.Contains(must(os.ReadFile(p)), []byte("root:x:")) {
			t.Errorf("%s contains /etc/passwd", p)
		}
		return nil
	})
}

// patchAVISize rewrites the frame size in an AVI's main and stream headers,
// so a tiny file declares huge dimensions without using the memory.
func patchAVISize(t *testing.T, avi []byte, w, h int32) []byte {
	return mediatest.PatchAVISize(t, avi, w, h)
}

// gab2AVI builds an AVI whose only stream is a GAB2 subtitle packet carrying
// a playlist: the shape of the 2017 AVI-embeds-HLS SSRF/file-read exploit.
// The payload sits past the first KiB, so only the demuxer whitelist (and
// ffmpeg's own fix) stand in the way.
func gab2AVI(payload string) []byte {
	le := binary.LittleEndian
	u32 := func(vs ...uint32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			le.PutUint32(b[4*i:], v)
		}
		return b
	}
	chunk := func(id string, data ...[]byte) []byte {
		body := bytes.Join(data, nil)
		b := append(append([]byte(id), u32(uint32(len(body)))...), body...)
		if len(body)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	list := func(typ string, chunks ...[]byte) []byte {
		return chunk("LIST", append([][]byte{[]byte(typ)}, chunks...)...)
	}
	// avih: µs/frame, max bytes/s, padding, flags, frames, initial, streams, buffer, w, h, reserved×4.
	avih := chunk("avih", u32(40000, 0, 0, 0, 1, 0, 1, 1<<16, 0, 0, 0, 0, 0, 0))
	// strh: type, handler, flags, priority+language, initial, scale, rate, start, length, buffer, quality, sample size, frame rect.
	strh := chunk("strh", []byte("txts"), u32(0, 0, 0, 0, 1, 1, 0, 1, 1<<16, 0, 0, 0, 0))
	sub := bytes.Join([][]byte{[]byte("GAB2\x00"), {2, 0}, u32(2), []byte("x\x00"), {4, 0}, u32(uint32(len(payload))), []byte(payload)}, nil)
	riff := bytes.Join([][]byte{
		[]byte("AVI "),
		list("hdrl", avih, list("strl", strh, chunk("strf"))),
		chunk("JUNK", make([]byte, 1200)),
		list("movi", chunk("00tx", sub)),
	}, nil)
	return chunk("RIFF", riff)
}

func TestProbeCanceled(t *testing.T) {
	t.Parallel()
	in := mustWrite(t, filepath.Join(t.TempDir(), "x.mp4"), []byte("\x00\x00\x00\x18ftypisom"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&Runner{}).Probe(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// waitGroupGone polls until no process is left in the process group.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still alive: %v", pgid, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTranscodeTimeoutKillsFFmpeg(t *testing.T) {
	t.Parallel()
	dir, outDir := t.TempDir(), t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	mustClip(t, in, 1080, 1920, 4, true)
	var pid atomic.Int64
	r := &Runner{Limits: Limits{TranscodeTimeout: 300 * time.Millisecond}, started: func(p int) { pid.Store(int64(p)) }}
	info := &Info{Width: 1080, Height: 1920, FPS: 30, Duration: 4 * time.Second, HasAudio: true}
	must(r.CheckBox(t.Context())) // once per Runner, not part of the timed run
	start := time.Now()
	_, err := r.Transcode(context.Background(), in, info, outDir)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("kill took %v", d)
	}
	if pid.Load() == 0 {
		t.Fatal("ffmpeg never started")
	}
	waitGroupGone(t, int(pid.Load()))
	entries := must(os.ReadDir(outDir))
	if len(entries) != 0 { // the work dir is gone, nothing published
		t.Errorf("outDir holds %v", names(entries))
	}
}

// A stand-in ffprobe that hangs with a grandchild proves the whole process
// group is killed, not just the direct child.
func TestProbeTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := mustWrite(t, filepath.Join(dir, "ffprobe"), []byte("#!/bin/sh\nsleep 30 &\nsleep 30\n"))
	must(0, os.Chmod(fake, 0o755))
	// The box's user must be able to reach the stand-in.
	must(0, os.Chmod(dir, 0o755))
	must(0, os.Chmod(filepath.Dir(dir), 0o755))
	in := mustWrite(t, filepath.Join(dir, "x.mp4"), []byte("\x00\x00\x00\x18ftypisom"))
	var pid atomic.Int64
	r := &Runner{FFprobe: fake, Limits: Limits{ProbeTimeout: 200 * time.Millisecond}, started: func(p int) { pid.Store(int64(p)) }}
	must(r.CheckBox(t.Context())) // once per Runner, not part of the timed run
	start := time.Now()
	_, err := r.Probe(context.Background(), in)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("kill took %v", d)
	}
	waitGroupGone(t, int(pid.Load()))
}

func TestTranscodeRefusesForeignOutDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := mustWrite(t, filepath.Join(dir, "in.mp4"), []byte("\x00\x00\x00\x18ftypisom"))
	_, err := (&Runner{}).Transcode(context.Background(), in, &Info{Width: 360, Height: 640, FPS: 30}, dir)
	if err == nil || !strings.Contains(err.Error(), "unexpected") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(in); err != nil {
		t.Fatal("foreign file removed")
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	ts := make([]byte, 400)
	ts[0], ts[188], ts[376] = 0x47, 0x47, 0x47
	for _, tc := range []struct {
		head, want string
	}{
		{"\x00\x00\x00\x20ftypisom", ContainerMP4},
		{"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", ContainerMP4},
		{"\x1a\x45\xdf\xa3\x01", ContainerMatroska},
		{"RIFF\x00\x00\x00\x00AVI LIST", ContainerAVI},
		{string(ts), ContainerMPEGTS},
		{"\x00\x00\x01\xba\x44", ContainerMPEGPS},
		{"FLV\x01\x05", ContainerFLV},
		{"OggS\x00\x02", ContainerOgg},
		{"", "the file is empty"},
		{"\x89PNG\r\n\x1a\n", "image"},
		{"\xff\xd8\xff\xe0", "image"},
		{"GIF89a", "image"},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", "image"},
		{"\x00\x00\x00\x1cftypheic", "image"},
		{"RIFF\x00\x00\x00\x00AVI #EXTM3U", "playlist"},
		{"\x00\x00\x00\x08free" + strings.Repeat(" ", 900) + "#EXTM3U", "playlist"},
		{"ffconcat version 1.0", "playlist"},
		{"file '/etc/passwd'", "playlist"},
		{"<html>", "not a video"},
		{"\x47" + strings.Repeat("x", 200), "not a video"},
	} {
		got, err := Sniff([]byte(tc.head))
		if err != nil {
			mustReject(t, err, tc.want)
		} else if got != tc.want {
			t.Errorf("Sniff(%q) = %q, want %q", tc.head[:min(len(tc.head), 12)], got, tc.want)
		}
	}
}

func FuzzSniff(f *testing.F) {
	for _, s := range []string{"", "\x00\x00\x00\x20ftypisom", "\x1a\x45\xdf\xa3", "RIFF\x00\x00\x00\x00AVI ",
		"OggS", "FLV\x01", "#EXTM3U\n", "ffconcat version 1.0\n", "\x89PNG\r\n\x1a\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		c, err := Sniff(head)
		if (c == "") == (err == nil) {
			t.Fatalf("Sniff = %q, %v", c, err)
		}
		kb := head[:min(len(head), 1024)]
		if err == nil && (bytes.Contains(kb, []byte("#EXTM3U")) || bytes.Contains(kb, []byte("ffconcat"))) {
			t.Fatalf("playlist accepted as %s", c)
		}
		var re *RejectError
		if err != nil && (!errors.As(err, &re) || re.Reason == "" || strings.ContainsAny(re.Reason, "\x00\n")) {
			t.Fatalf("bad reject: %v", err)
		}
	})
}

// must returns v or panics on err; for test fixtures only.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTranscodeSilentTiny(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mkv")
	mustClip(t, in, 240, 426, 1, false)
	r := &Runner{}
	info, err := r.Probe(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Transcode(context.Background(), in, info, dir); err == nil || !strings.Contains(err.Error(), "unexpected") {
		t.Fatalf("outDir holding the input: err = %v", err)
	}
	outDir := t.TempDir()
	out, err := r.Transcode(context.Background(), in, info, outDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Renditions) != 1 || out.Renditions[0].Width != 240 || out.Renditions[0].Bandwidth != 800_000 {
		t.Fatalf("Output = %+v", out)
	}
	js := ffprobeJSON(t, filepath.Join(outDir, out.Renditions[0].Playlist))
	if strings.Contains(js, `"codec_type": "audio"`) || !strings.Contains(js, `"height": 426`) {
		t.Errorf("variant:\n%s", js)
	}
	if _, err := os.Stat(filepath.Join(outDir, out.Poster)); err != nil {
		t.Error(err)
	}
}

// TestChildIsolation: as root, ffmpeg runs in a network namespace of its
// own (no network at all), as the box's user without capabilities or
// groups, with no_new_privs (Landlock's precondition), under resource
// limits.
func TestChildIsolation(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root; CI runs as root")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	mustClip(t, in, 720, 1280, 3, true)
	myNet, _ := os.Readlink("/proc/self/ns/net")
	type seen struct{ net, limits, status string }
	got := make(chan seen, 1)
	r := &Runner{started: func(pid int) {
		go func() {
			for i := 0; i < 200; i++ {
				exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
				if strings.HasSuffix(exe, "ffmpeg") {
					net, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
					lim, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
					status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
					select {
					case got <- seen{net, string(lim), string(status)}:
					default:
					}
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}}
	info, err := r.Probe(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	if _, err := r.Transcode(t.Context(), in, info, out); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s.net == "" || s.net == myNet {
			t.Fatalf("ffmpeg shares the network namespace (%q vs %q)", s.net, myNet)
		}
		if !strings.Contains(s.limits, "Max address space         4294967296") || !strings.Contains(s.limits, "Max open files            256") {
			t.Fatalf("ffmpeg's limits:\n%s", s.limits)
		}
		// Its own user, no capabilities, no way to gain privileges.
		want := fmt.Sprintf("Uid:\t%d\t%d\t%d\t%d", DefaultBoxID, DefaultBoxID, DefaultBoxID, DefaultBoxID)
		if !strings.Contains(s.status, want) || !strings.Contains(s.status, "CapEff:\t0000000000000000") ||
			!strings.Contains(s.status, "NoNewPrivs:\t1") || !regexp.MustCompile(`(?m)^Groups:\s*$`).MatchString(s.status) {
			t.Fatalf("ffmpeg's status:\n%s", s.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("never saw ffmpeg running")
	}
}

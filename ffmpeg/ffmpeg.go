// Package ffmpeg probes uploaded videos under strict limits and transcodes
// them into a vertical HLS ladder, a poster and a preview, with ffprobe and
// ffmpeg run as sandboxed child processes (argument slices, no shell, empty
// environment, local files only, whole process group killed on timeout).
//
// It knows files, not videos: it imports no other kurz package, so the
// pipeline that calls it owns statuses, owners and storage.
package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits bound what a probed input may be. Zero values mean the defaults.
type Limits struct {
	MaxWidth, MaxHeight int           // default 4096 each
	MaxPixels           int           // default 4096*2304
	MaxDuration         time.Duration // default 10 min
	MaxFPS              float64       // default 120
	MaxStreams          int           // default 8
	MaxFileSize         int64         // 0 means no limit
	ProbeTimeout        time.Duration // default 20s
	TranscodeTimeout    time.Duration // default 20 min
	MaxMemory           int64         // address space of a child, default 4 GiB
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxWidth, 4096)
	def(&l.MaxHeight, 4096)
	def(&l.MaxPixels, 4096*2304)
	def(&l.MaxStreams, 8)
	if l.MaxDuration <= 0 {
		l.MaxDuration = 10 * time.Minute
	}
	if l.MaxFPS <= 0 {
		l.MaxFPS = 120
	}
	if l.ProbeTimeout <= 0 {
		l.ProbeTimeout = 20 * time.Second
	}
	if l.TranscodeTimeout <= 0 {
		l.TranscodeTimeout = 20 * time.Minute
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = 4 << 30
	}
	return l
}

// Runner runs ffprobe and ffmpeg binaries. The zero value uses PATH lookups
// and default limits. Callers bound concurrency themselves (one transcode per
// worker slot).
type Runner struct {
	FFmpeg, FFprobe string // binary paths; default "ffmpeg"/"ffprobe"
	Limits          Limits
	Threads         int // x264 threads per encoder; 0 lets x264 decide

	started func(pid int) // test hook: called with the child's pid
}

// RejectError means the input is not acceptable. Reason is a sentence a
// person can act on; it never contains bytes from the file.
type RejectError struct{ Reason string }

func (e *RejectError) Error() string { return "video rejected: " + e.Reason }

func reject(reason string) error { return &RejectError{Reason: reason} }

// ErrTimeout is returned (wrapped) when ffprobe or ffmpeg ran past its
// Limits timeout and was killed. It matches context.DeadlineExceeded too.
var ErrTimeout = fmt.Errorf("ffmpeg: time limit exceeded: %w", context.DeadlineExceeded)

// childPath is the only environment variable the children get.
const childPath = "PATH=/usr/local/bin:/usr/bin:/bin"

// formatWhitelist lists the only demuxers ffmpeg may open, including any
// nested demuxer (e.g. AVI GAB2 subtitles); hls, concat, image2 etc. are out.
const formatWhitelist = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg"

// inputArgs are the options in front of every -i: local files only,
// whitelisted demuxers, bounded probing. Demuxers fail outright past
// max_streams, so thousands of streams never get allocated.
func inputArgs(lim Limits) []string {
	return []string{
		"-protocol_whitelist", "file",
		"-format_whitelist", formatWhitelist,
		"-probesize", "20000000", // bytes
		"-analyzeduration", "10000000", // µs
		"-max_streams", strconv.Itoa(max(32, lim.MaxStreams)),
	}
}

func (r *Runner) bin(name string) string {
	switch {
	case name == "ffmpeg" && r.FFmpeg != "":
		return r.FFmpeg
	case name == "ffprobe" && r.FFprobe != "":
		return r.FFprobe
	}
	return name
}

// run executes bin with args in dir, in its own process group, with an empty
// environment. The group is SIGKILLed when ctx ends. stdout is captured up to
// maxOut bytes (discarded if maxOut is 0); stderr keeps its last 8 KiB.
func (r *Runner) run(ctx context.Context, bin string, args []string, dir string, maxOut int) (stdout []byte, stderr string, err error) {
	stdout, stderr, err = r.run1(ctx, bin, args, dir, maxOut, netIsolation.Load())
	if err != nil && netIsolation.Load() && errors.Is(err, syscall.EPERM) {
		// No right to make network namespaces here (not root): run without.
		netIsolation.Store(false)
		return r.run1(ctx, bin, args, dir, maxOut, false)
	}
	return stdout, stderr, err
}

// netIsolation is whether children get a network namespace of their own
// (with no interfaces up: no network at all). It turns off for good the
// first time the OS refuses.
var netIsolation = func() *atomic.Bool { var b atomic.Bool; b.Store(true); return &b }()

// prlimit, when installed, caps each child's address space, open files
// and core dumps before it starts decoding.
var prlimit, _ = exec.LookPath("prlimit")

func (r *Runner) run1(ctx context.Context, bin string, args []string, dir string, maxOut int, isolate bool) (stdout []byte, stderr string, err error) {
	if prlimit != "" {
		lim := r.Limits.withDefaults()
		args = append([]string{"--as=" + strconv.FormatInt(lim.MaxMemory, 10), "--nofile=256", "--core=0", "--", bin}, args...)
		bin = prlimit
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{childPath}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if isolate {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	outW := &capWriter{max: maxOut}
	errW := &tailWriter{max: 8 << 10}
	cmd.Stderr = errW
	if maxOut > 0 {
		cmd.Stdout = outW
	}
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return nil, "", fmt.Errorf("%s: %w", bin, context.Cause(ctx))
		}
		return nil, "", fmt.Errorf("%s: %w", bin, err)
	}
	if r.started != nil {
		r.started(cmd.Process.Pid)
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		return nil, "", fmt.Errorf("%s: killed: %w", bin, context.Cause(ctx))
	}
	if err != nil {
		return nil, "", &execError{bin: bin, err: err, stderr: errW.String()}
	}
	if outW.over {
		return nil, "", fmt.Errorf("%s: output larger than %d bytes", bin, maxOut)
	}
	return outW.buf.Bytes(), errW.String(), nil
}

// execError is a failed run; Stderr is ffmpeg's own diagnostics (bounded).
type execError struct {
	bin, stderr string
	err         error
}

func (e *execError) Error() string {
	s := strings.TrimSpace(e.stderr)
	if len(s) > 1024 {
		s = "…" + s[len(s)-1024:]
	}
	return fmt.Sprintf("%s: %v: %s", e.bin, e.err, s)
}

func (e *execError) Unwrap() error { return e.err }

// capWriter keeps the first max bytes and notes overflow.
type capWriter struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); len(p) > room {
		w.over = true
		w.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return w.buf.Write(p)
}

// tailWriter keeps the last max bytes, with non-printable bytes replaced.
type tailWriter struct {
	buf []byte
	max int
}

func (w *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > w.max {
		p = p[len(p)-w.max:]
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) > w.max {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-w.max:]...)
	}
	return n, nil
}

func (w *tailWriter) String() string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r >= ' ' && r != 0x7f && r != '\uFFFD' {
			return r
		}
		return '?'
	}, string(w.buf))
}

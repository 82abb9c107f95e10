// Package ffmpeg probes uploaded videos under strict limits and transcodes
// them into a vertical HLS ladder, a poster, a preview and a temporal
// fingerprint, with ffprobe and ffmpeg run as child processes in a box
// (box.go: own user, Landlock, no network; argument slices, no shell, empty
// environment, local files only, whole process group killed on timeout).
// Limits hold on what is decoded, not on what a header claims: a counting
// pass measures the real duration, frames and streams before any decoding,
// and the transcode itself stops at them.
//
// It knows files, not videos: it imports no other kurz package, so the
// pipeline that calls it owns statuses, owners and storage.
package ffmpeg

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Limits bound what a probed input may be. Zero values mean the defaults.
type Limits struct {
	MaxWidth, MaxHeight int           // default 4096 each
	MaxPixels           int           // default 4096*2304, also enforced by the decoders
	MaxDuration         time.Duration // default 10 min, measured on the packets
	MaxFPS              float64       // default 120
	MaxFrames           int           // default MaxDuration × MaxFPS, counted
	MaxStreams          int           // default 8, counted
	MaxFileSize         int64         // 0 means no limit
	ProbeTimeout        time.Duration // default 20s, each of the two probe passes
	// TranscodeTimeout caps one transcode (default 20 min); within it a
	// transcode gets 2 minutes plus 4 times the video's measured duration.
	TranscodeTimeout time.Duration
	MaxMemory        int64 // address space of a child, default 4 GiB
}

// WithDefaults returns the limits with every zero value set to its default.
func (l Limits) WithDefaults() Limits {
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
	if l.MaxFrames <= 0 {
		l.MaxFrames = int(l.MaxDuration.Seconds() * l.MaxFPS)
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

// Runner runs ffprobe and ffmpeg binaries in the media box (see box.go).
// The zero value uses PATH lookups, default limits and the box. Callers
// bound concurrency themselves (one transcode per worker slot). A Runner
// must not be copied after first use.
type Runner struct {
	FFmpeg, FFprobe string // binary paths; default "ffmpeg"/"ffprobe"
	Limits          Limits
	Threads         int // x264 threads per encoder; 0 lets x264 decide
	// BoxUID and BoxGID are the user the tools run as when the server
	// runs as root (0: the system user "kurz-media", else DefaultBoxID).
	BoxUID, BoxGID int
	// Unboxed processes media even where the box cannot be made (not
	// root without user namespaces, no Landlock): the operator's explicit
	// choice. Every part of the box the machine allows is still used.
	Unboxed bool

	started    func(pid int) // test hook: called with the child's pid
	noLandlock bool          // test hook: act as on a kernel without Landlock

	boxOnce sync.Once
	box     *BoxReport
	boxErr  error
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
// whitelisted demuxers, bounded probing, and decoders that refuse pictures
// larger than the limit whatever the header said. Demuxers fail outright
// past max_streams, so thousands of streams never get allocated.
func inputArgs(lim Limits) []string {
	return []string{
		"-protocol_whitelist", "file",
		"-format_whitelist", formatWhitelist,
		"-probesize", "20000000", // bytes
		"-analyzeduration", "10000000", // µs
		"-max_streams", strconv.Itoa(max(32, lim.MaxStreams)),
		"-max_pixels", strconv.Itoa(lim.MaxPixels),
	}
}

// InputArgs are the options every decode puts in front of its -i (see
// inputArgs), under the Runner's limits.
func (r *Runner) InputArgs() []string { return inputArgs(r.Limits.WithDefaults()) }

// OpenInput opens a file for a tool run in the box, checked first (its
// size against the limit, and its first bytes: see Sniff).
func (r *Runner) OpenInput(path string) (*os.File, error) {
	return openInput(path, r.Limits.WithDefaults().MaxFileSize)
}

// RunBoxed runs tool ("ffmpeg", "ffprobe" or another program on PATH)
// with args in the box: input on fd 3 (InputURL), what it writes to
// stdout to stdout, no folder it may write.
func (r *Runner) RunBoxed(ctx context.Context, tool string, args []string, input *os.File, stdout io.Writer) error {
	_, err := r.run(ctx, r.bin(tool), args, runOpts{input: input, stdout: stdout})
	return err
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

// runOpts are what one run of a tool may touch.
type runOpts struct {
	input  *os.File  // passed as fd 3 (InputURL), the only file it may read
	outDir string    // the only folder it may write, and its working folder
	stdout io.Writer // nil discards
	check  bool      // a run of CheckBox (not reported to the started hook)
	// progress, if set, is told ffmpeg's progress (the output time
	// reached), read from its report on fd 4 (progressURL).
	progress func(time.Duration)
	nice     int // CPU priority (0 to 19)
	// unnice, if set, ends the lower priority when it is closed: the
	// process group's threads go back to nice 0 (best effort: it needs
	// the right to raise a priority, which root has).
	unnice <-chan struct{}
}

// progressURL is where a transcode writes its progress report: a pipe the
// server reads, on fd 4 beside the input's fd 3.
const progressURL = "pipe:4"

// run executes bin with args in the box, in its own process group, with an
// empty environment. The group is SIGKILLed when ctx ends. stderr keeps
// its last 8 KiB.
func (r *Runner) run(ctx context.Context, bin string, args []string, o runOpts) (stderr string, err error) {
	rep, boxErr := r.CheckBox(ctx)
	if boxErr != nil && !r.Unboxed {
		if rep == nil {
			return "", boxErr
		}
		return "", ErrNoBox
	}
	return r.start(ctx, bin, args, rep, rep.Landlock > 0, o)
}

// start runs bin under the parts of the box in rep (Landlock only if
// withLandlock).
func (r *Runner) start(ctx context.Context, bin string, args []string, rep *BoxReport, withLandlock bool, o runOpts) (stderr string, err error) {
	lim := r.Limits.WithDefaults()
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%s: %w", bin, err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", err
	}
	spec := boxSpec{Bin: path, UID: rep.UID, GID: rep.GID, Landlock: withLandlock, Input: o.input != nil,
		AS: uint64(lim.MaxMemory), NoFile: 256, Nice: o.nice}
	if o.outDir != "" {
		if spec.Write, err = filepath.Abs(o.outDir); err != nil {
			return "", err
		}
	}
	if rep.UID >= 0 {
		if o.input != nil {
			if err := grantInput(o.input, rep.GID); err != nil {
				return "", fmt.Errorf("ffmpeg: hand the input to the box: %w", err)
			}
		}
		if o.outDir != "" {
			if err := grantDir(o.outDir, rep.UID, rep.GID); err != nil {
				return "", fmt.Errorf("ffmpeg: hand the output folder to the box: %w", err)
			}
			defer func() {
				if rerr := reclaimDir(o.outDir); rerr != nil && err == nil {
					err = fmt.Errorf("ffmpeg: take back the output folder: %w", rerr)
				}
			}()
		}
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = append([]string{boxArg0, string(js), filepath.Base(bin)}, args...)
	cmd.Dir = "/"
	if o.outDir != "" {
		cmd.Dir = o.outDir
	}
	cmd.Env = []string{childPath}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if rep.NetNS {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET
		if os.Geteuid() != 0 {
			// Without root a network namespace needs a user namespace,
			// in which the server's user maps to itself.
			cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
			cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Geteuid(), HostID: os.Geteuid(), Size: 1}}
			cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getegid(), HostID: os.Getegid(), Size: 1}}
		}
	}
	if o.input != nil {
		cmd.ExtraFiles = []*os.File{o.input}
	}
	if o.input != nil {
		pr, pw, err := os.Pipe()
		if err != nil {
			return "", err
		}
		defer pr.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, pw)
		done := make(chan struct{})
		defer func() { <-done }()
		go readProgress(pr, o.progress, done)
		defer pw.Close()
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	errW := &tailWriter{max: 8 << 10}
	cmd.Stderr = errW
	cmd.Stdout = o.stdout
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("%s: %w", bin, context.Cause(ctx))
		}
		return "", fmt.Errorf("%s: %w", bin, err)
	}
	if r.started != nil && !o.check {
		r.started(cmd.Process.Pid)
	}
	if o.nice > 0 && o.unnice != nil {
		exited := make(chan struct{})
		defer close(exited)
		go func(pgid int) {
			select {
			case <-o.unnice:
				// PRIO_PGRP reaches every thread of the group (nice is
				// per thread on Linux); the group is gone once exited.
				syscall.Setpriority(syscall.PRIO_PGRP, pgid, 0)
			case <-exited:
			}
		}(cmd.Process.Pid)
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		return "", fmt.Errorf("%s: killed: %w", bin, context.Cause(ctx))
	}
	if err != nil {
		return "", &execError{bin: bin, err: err, stderr: errW.String()}
	}
	return errW.String(), nil
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

// readProgress reads ffmpeg's progress report (key=value lines) until its
// end, telling report each output time reached.
func readProgress(r io.Reader, report func(time.Duration), done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "out_time_us=")
		if us, err := strconv.ParseInt(v, 10, 64); ok && err == nil && us >= 0 && report != nil {
			report(time.Duration(us) * time.Microsecond)
		}
	}
}

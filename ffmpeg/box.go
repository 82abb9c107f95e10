package ffmpeg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// The media box.
//
// ffprobe and ffmpeg decode whatever people upload, so kurz assumes a
// decoder can be exploited and runs them in a box where such an exploit
// finds nothing: the tool can read the job's input file and write its
// output folder, and nothing else of the server (no keys, databases,
// uploads or media of other people, no /proc of other processes); it has no
// network; it cannot signal processes outside the box.
//
// The box is made of:
//   - Landlock (github.com/landlock-lsm/go-landlock): read access to the
//     system's program and library folders, the input file and the output
//     folder; write access to the output folder only; TCP connect and bind
//     and signals and abstract sockets outside the box refused where the
//     kernel knows them.
//   - A network namespace of its own, with no interface up (as root a plain
//     one, otherwise inside a user namespace).
//   - When the server runs as root: a user of its own (BoxUser, or the
//     system user "kurz-media", or uid and gid DefaultBoxID), with no
//     capabilities and no supplementary groups. The input file is handed
//     to that user's group for reading and the output folder to that user
//     for writing; outputs are given back to the server's user afterwards.
//   - Resource limits (address space, open files, no core dumps).
//
// Go cannot run code between fork and exec, so the box is set up by the
// server's own binary: a child started as /proc/self/exe with argv[0]
// "kurz-media-box" applies the limits, user and Landlock rules and then
// execs the tool (see the init function below). Every binary that links
// this package can therefore box its tools, the test binaries included.
//
// The input reaches the tool as file descriptor 3, opened and sniffed by the
// server, which the tool opens as /proc/self/fd/3: the file that was
// checked is the file that is decoded, and the tool needs no way to the
// folder the input lives in.

// boxArg0 is the argv[0] that makes a process the box's setup step.
const boxArg0 = "kurz-media-box"

// DefaultBoxID is the uid and gid of the box when the server runs as root
// and no system user "kurz-media" exists: a number no distribution or
// container runtime hands out.
const DefaultBoxID = 1_999_999_999

// inputFD is the descriptor the input is passed on; InputURL names it.
const (
	inputFD  = 3
	InputURL = "file:/proc/self/fd/3"
)

// boxExit is the exit code of a setup step that failed.
const boxExit = 125

// boxSpec is what the setup step applies before it execs the tool.
type boxSpec struct {
	Bin      string `json:"bin"`      // absolute path of the tool
	UID      int    `json:"uid"`      // -1: keep the user
	GID      int    `json:"gid"`      // -1: keep the group
	Landlock bool   `json:"landlock"` // apply the Landlock rules
	Input    bool   `json:"input"`    // fd 3 is the input (readable)
	Write    string `json:"write"`    // the one writable folder ("" none)
	AS       uint64 `json:"as"`       // address space limit, bytes
	NoFile   uint64 `json:"nofile"`   // open files limit
	Nice     int    `json:"nice"`     // CPU priority, 0 to 19
}

// systemDirs are readable (and executable) inside the box: programs and
// shared libraries, and the CPU count (x264 sizes its threads by it).
var systemDirs = []string{"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/sys/devices/system/cpu"}

// systemFiles are the only files of /etc the tools read (the dynamic
// loader's cache and configuration), and the random devices.
var systemFiles = []string{"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.preload", "/dev/urandom", "/dev/random", "/dev/null"}

func init() {
	if len(os.Args) > 1 && os.Args[0] == boxArg0 {
		boxMain(os.Args[1], os.Args[2:])
	}
}

// boxMain is the setup step: it never returns.
func boxMain(specJSON string, argv []string) {
	// Landlock applies to the calling thread; exec replaces the process
	// from this same thread.
	runtime.LockOSThread()
	fail := func(step string, err error) {
		fmt.Fprintf(os.Stderr, "media box: %s: %v\n", step, err)
		os.Exit(boxExit)
	}
	var s boxSpec
	if err := json.Unmarshal([]byte(specJSON), &s); err != nil || len(argv) == 0 {
		fail("spec", fmt.Errorf("malformed: %v", err))
	}
	ruleset, flags := -1, uint32(0)
	if s.Landlock {
		rules := []landlock.Rule{
			landlock.RODirs(systemDirs...).IgnoreIfMissing(),
			landlock.ROFiles(systemFiles...).IgnoreIfMissing(),
			landlock.PathAccess(ll.AccessFSExecute|ll.AccessFSReadFile, s.Bin),
		}
		if s.Input {
			rules = append(rules, landlock.ROFiles("/proc/self/fd/"+strconv.Itoa(inputFD)))
		}
		if s.Write != "" {
			rules = append(rules, landlock.RWDirs(s.Write))
		}
		// The rules' paths are opened now, before the user changes.
		var err error
		ruleset, flags, err = landlock.V7.BestEffort().NewRulesetFD(rules...)
		if err != nil {
			fail("landlock", err)
		}
		if ruleset < 0 {
			fail("landlock", errors.New("not supported by this kernel"))
		}
	}
	if s.UID >= 0 {
		if err := syscall.Setgroups(nil); err != nil {
			fail("setgroups", err)
		}
		if err := syscall.Setresgid(s.GID, s.GID, s.GID); err != nil {
			fail("setresgid", err)
		}
		if err := syscall.Setresuid(s.UID, s.UID, s.UID); err != nil {
			fail("setresuid", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fail("no_new_privs", err)
	}
	if ruleset >= 0 {
		if err := ll.LandlockRestrictSelf(ruleset, flags); err != nil {
			fail("landlock", err)
		}
		unix.Close(ruleset)
	}
	// Limits last: the setup step itself (a Go runtime, maybe with the
	// race detector's reservations) is not bound by them, only the tool.
	for _, l := range []struct {
		res int
		v   uint64
	}{{unix.RLIMIT_AS, s.AS}, {unix.RLIMIT_NOFILE, s.NoFile}, {unix.RLIMIT_CORE, 0}} {
		if l.v == 0 && l.res != unix.RLIMIT_CORE {
			continue
		}
		if err := unix.Setrlimit(l.res, &unix.Rlimit{Cur: l.v, Max: l.v}); err != nil {
			fail("rlimit", err)
		}
	}
	// A priority is the thread's; the tool's first thread is this one.
	if err := unix.Setpriority(unix.PRIO_PROCESS, 0, min(max(s.Nice, 0), 19)); s.Nice > 0 && err != nil {
		fail("nice", err)
	}
	err := syscall.Exec(s.Bin, argv, []string{childPath})
	fail("exec "+s.Bin, err)
}

// BoxReport says how media tools are confined on this machine.
type BoxReport struct {
	// Complete is whether every part of the box is in place.
	Complete bool
	// Landlock is the kernel's Landlock ABI version (0: none).
	Landlock int
	// NetNS is whether the tools get a network namespace of their own.
	NetNS bool
	// UID and GID are the tools' user (-1: the server's own).
	UID, GID int
	// Missing names what could not be made, for the start-up message.
	Missing []string
}

func (b *BoxReport) String() string {
	var parts []string
	if b.Landlock > 0 {
		parts = append(parts, fmt.Sprintf("Landlock ABI %d", b.Landlock))
	}
	if b.NetNS {
		parts = append(parts, "own network namespace")
	}
	if b.UID >= 0 {
		parts = append(parts, fmt.Sprintf("user %d:%d", b.UID, b.GID))
	}
	s := strings.Join(parts, ", ")
	if len(b.Missing) > 0 {
		s += "; missing: " + strings.Join(b.Missing, ", ")
	}
	return s
}

// ErrNoBox is returned by every media operation when the box cannot be
// made and the Runner is not Unboxed.
var ErrNoBox = errors.New("ffmpeg: the media box cannot be made on this machine, so media is not processed (see the start-up log; an operator may pass --unboxed-media to process media without it)")

// CheckBox finds out once which parts of the box this machine allows and
// proves the box: a boxed ffmpeg must be refused a file the server can
// read. It returns the report and, if the box is incomplete, an error
// wrapping ErrNoBox (also when the Runner is Unboxed: the caller says so).
func (r *Runner) CheckBox(ctx context.Context) (*BoxReport, error) {
	r.boxOnce.Do(func() {
		// Checked once for the Runner's life: not bound to one caller.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		r.box, r.boxErr = r.checkBox(ctx)
	})
	return r.box, r.boxErr
}

func (r *Runner) checkBox(ctx context.Context) (*BoxReport, error) {
	rep := &BoxReport{UID: -1, GID: -1}
	if _, err := exec.LookPath(r.bin("ffmpeg")); err != nil {
		rep.Missing = append(rep.Missing, "ffmpeg ("+err.Error()+")")
		return rep, fmt.Errorf("%w: %v", ErrNoBox, err)
	}
	if v, err := ll.LandlockGetABIVersion(); err == nil && v >= 1 && !r.noLandlock {
		rep.Landlock = v
	} else {
		rep.Missing = append(rep.Missing, "Landlock (Linux 5.13 or newer with Landlock enabled)")
	}
	if os.Geteuid() == 0 {
		rep.UID, rep.GID = r.boxIDs()
	}
	// A network namespace: try one, with nothing else in the way.
	ns := &BoxReport{NetNS: true, UID: -1, GID: -1}
	if _, err := r.start(ctx, r.bin("ffmpeg"), []string{"-version"}, ns, false, runOpts{check: true}); err == nil {
		rep.NetNS = true
	} else {
		rep.Missing = append(rep.Missing, "a network namespace ("+shortErr(err)+")")
	}
	rep.Complete = len(rep.Missing) == 0
	if !rep.Complete {
		return rep, fmt.Errorf("%w: %s", ErrNoBox, strings.Join(rep.Missing, ", "))
	}
	// The whole box: the tool starts, and a file the server can read is
	// refused to it.
	if _, err := r.start(ctx, r.bin("ffmpeg"), []string{"-version"}, rep, true, runOpts{check: true}); err != nil {
		rep.Complete = false
		rep.Missing = append(rep.Missing, "a working box ("+shortErr(err)+")")
		return rep, fmt.Errorf("%w: %v", ErrNoBox, err)
	}
	dir, err := os.MkdirTemp("", "kurz-boxcheck-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return rep, err
	}
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("not for the box"), 0o644); err != nil {
		return rep, err
	}
	_, err = r.start(ctx, r.bin("ffmpeg"), []string{"-nostdin", "-v", "error", "-i", "file:" + secret, "-f", "null", "-"}, rep, true, runOpts{check: true})
	var ee *execError
	if !errors.As(err, &ee) || !strings.Contains(ee.stderr, "Permission denied") {
		rep.Complete = false
		rep.Missing = append(rep.Missing, "file confinement (a boxed ffmpeg was not refused a file outside the box)")
		return rep, fmt.Errorf("%w: a boxed ffmpeg opened a file outside the box: %v", ErrNoBox, err)
	}
	return rep, nil
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// boxIDs is the box's user and group when the server runs as root.
func (r *Runner) boxIDs() (int, int) {
	if r.BoxUID > 0 {
		gid := r.BoxGID
		if gid <= 0 {
			gid = r.BoxUID
		}
		return r.BoxUID, gid
	}
	if u, err := user.Lookup("kurz-media"); err == nil {
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil && uid > 0 && gid > 0 {
			return uid, gid
		}
	}
	return DefaultBoxID, DefaultBoxID
}

// grantInput lets the box's group read the input file (the server keeps
// owning it).
func grantInput(f *os.File, gid int) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := f.Chown(-1, gid); err != nil {
		return err
	}
	return f.Chmod(st.Mode().Perm()&^0o007 | 0o040)
}

// grantDir hands a folder and everything in it to the box's user.
func grantDir(dir string, uid, gid int) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// reclaimDir gives a folder the box wrote back to the server's user and
// group, so nothing the box made stays in its hands.
func reclaimDir(dir string) error {
	uid, gid := os.Geteuid(), os.Getegid()
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

package ffmpeg

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// boxLayout builds a region folder as kurz lays it out, with secrets
// readable by anyone as far as file modes go (so only the box stands in
// the way): the KEK, the database, another person's upload and another
// video's published media, next to this job's upload and staged folder.
type boxLayout struct {
	input, stage                     string
	kek, db, otherUpload, otherMedia string
}

const boxSecret = "SECRET-NOT-FOR-FFMPEG"

func newBoxLayout(t *testing.T) *boxLayout {
	t.Helper()
	root := t.TempDir()
	must(0, os.Chmod(root, 0o755))
	region := filepath.Join(root, "eu")
	l := &boxLayout{
		input:       filepath.Join(region, "uploads", "eu_job"),
		stage:       filepath.Join(region, ".stage", "s-1", "media"),
		kek:         filepath.Join(region, "keyring", "kek"),
		db:          filepath.Join(region, "kurz.db"),
		otherUpload: filepath.Join(region, "uploads", "eu_other"),
		otherMedia:  filepath.Join(region, "media", "eu_other", "master.m3u8"),
	}
	for _, p := range []string{l.kek, l.db, l.otherUpload, l.otherMedia, l.stage + "/x"} {
		must(0, os.MkdirAll(filepath.Dir(p), 0o755))
	}
	for _, p := range []string{l.kek, l.db, l.otherUpload, l.otherMedia} {
		mustWrite(t, p, []byte(boxSecret+" "+filepath.Base(p)+"\n"))
	}
	mustClip(t, l.input, 64, 114, 1, false, "-f", "mp4")
	return l
}

// TestBoxConfinesFiles runs ffmpeg in the box as a decoder exploit would
// use it: told to open the KEK, the database, another person's upload and
// another video's media, and to write outside its output folder. Every
// attempt is refused, while the job's own input and output work. Without
// the box (the same run, unconfined) the same reads succeed, so the test
// can fail.
func TestBoxConfinesFiles(t *testing.T) {
	t.Parallel()
	l := newBoxLayout(t)
	r := &Runner{}
	rep, err := r.CheckBox(t.Context())
	if err != nil {
		t.Fatalf("no box on this machine (%v); CI runs as root on a kernel with Landlock", err)
	}
	t.Logf("box: %s", rep)
	in := must(os.Open(l.input))
	defer in.Close()

	// The job's own input and output folder work.
	if _, err := r.run(t.Context(), "ffmpeg", []string{"-nostdin", "-v", "error", "-i", InputURL, "-frames:v", "1", "-f", "image2", "own.jpg"},
		runOpts{input: in, outDir: l.stage}); err != nil {
		t.Fatalf("the box refused the job's own input or output: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(l.stage, "own.jpg")); err != nil || fi.Size() == 0 {
		t.Fatalf("no output written: %v", err)
	}

	for _, secret := range []string{l.kek, l.db, l.otherUpload, l.otherMedia} {
		// Read as a raw input: ffmpeg would copy its bytes to the output.
		args := []string{"-nostdin", "-v", "error", "-f", "data", "-i", "file:" + secret, "-map", "0", "-c", "copy", "-f", "data", "stolen.bin"}
		stderr, err := r.run(t.Context(), "ffmpeg", args, runOpts{input: in, outDir: l.stage})
		var ee *execError
		if !errors.As(err, &ee) || !strings.Contains(ee.stderr, "Permission denied") {
			t.Errorf("boxed ffmpeg opened %s: err %v, stderr %q", secret, err, stderr)
		}
		// Unboxed, the very same run reads it: the refusal is the box's.
		if secret == l.kek {
			u := &Runner{}
			u.boxOnce.Do(func() { u.box = &BoxReport{UID: -1, GID: -1} })
			if _, err := u.run(t.Context(), "ffmpeg", args, runOpts{input: in, outDir: l.stage}); err != nil {
				t.Fatalf("control run without the box failed: %v", err)
			}
			if !bytes.Contains(must(os.ReadFile(filepath.Join(l.stage, "stolen.bin"))), []byte(boxSecret)) {
				t.Fatal("control run without the box did not read the KEK")
			}
			must(0, os.Remove(filepath.Join(l.stage, "stolen.bin")))
		}
	}
	// Writing next to another video's media is refused too.
	_, err = r.run(t.Context(), "ffmpeg", []string{"-nostdin", "-v", "error", "-i", InputURL, "-frames:v", "1", "-f", "image2", "-y", l.otherMedia},
		runOpts{input: in, outDir: l.stage})
	if err == nil || !bytes.HasPrefix(must(os.ReadFile(l.otherMedia)), []byte(boxSecret)) {
		t.Errorf("boxed ffmpeg overwrote another video's media (err %v)", err)
	}

	// A crafted concat playlist naming those files is refused before any
	// tool sees it; forced through ffmpeg's concat demuxer in the box, it
	// yields none of their bytes.
	playlist := filepath.Join(filepath.Dir(l.input), "eu_playlist")
	mustWrite(t, playlist, []byte("ffconcat version 1.0\nfile '"+l.kek+"'\nfile '"+l.db+"'\nfile '"+l.otherMedia+"'\n"))
	_, err = r.Probe(t.Context(), playlist)
	mustReject(t, err, "playlist")
	pl := must(os.Open(playlist))
	defer pl.Close()
	_, err = r.run(t.Context(), "ffmpeg", []string{"-nostdin", "-v", "error", "-f", "concat", "-safe", "0", "-protocol_whitelist", "file,concat",
		"-i", InputURL, "-map", "0", "-c", "copy", "-f", "data", "concat.bin"}, runOpts{input: pl, outDir: l.stage})
	var ee *execError
	if !errors.As(err, &ee) || !strings.Contains(ee.stderr, "Permission denied") {
		t.Errorf("boxed ffmpeg's concat demuxer was not refused the files: %v", err)
	}
	filepath.WalkDir(filepath.Dir(l.stage), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && bytes.Contains(must(os.ReadFile(p)), []byte(boxSecret)) {
			t.Errorf("%s holds a secret", p)
		}
		return nil
	})
	// What the box wrote belongs to the server again.
	if st := must(os.Stat(filepath.Join(l.stage, "own.jpg"))).Sys().(*syscall.Stat_t); int(st.Uid) != os.Geteuid() {
		t.Errorf("output owned by uid %d, not the server's %d", st.Uid, os.Geteuid())
	}
}

// TestBoxRefusedWithoutLandlock: where the box cannot be made (here: as
// on a kernel without Landlock) media is not processed unless the
// operator chose Unboxed, and the report says what is missing.
func TestBoxRefusedWithoutLandlock(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "in.mp4")
	mustClip(t, in, 64, 114, 1, false)
	r := &Runner{noLandlock: true}
	rep, err := r.CheckBox(t.Context())
	if !errors.Is(err, ErrNoBox) || rep.Complete || !strings.Contains(rep.String(), "missing: Landlock") {
		t.Fatalf("CheckBox = %v, %v", rep, err)
	}
	if _, err := r.Probe(t.Context(), in); !errors.Is(err, ErrNoBox) {
		t.Fatalf("Probe without a box: err = %v, want ErrNoBox", err)
	}
	u := &Runner{noLandlock: true, Unboxed: true}
	if _, err := u.Probe(t.Context(), in); err != nil {
		t.Fatalf("Probe with Unboxed: %v", err)
	}
}

package ffmpeg

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Transcode (for tests) writes the whole ladder into outDir: master.m3u8, v0/index.m3u8
// + v0/seg_00000.ts … (one variant per rung, lowest first), poster.jpg and
// preview.mp4, and returns the video's temporal fingerprint with them. It
// is TranscodeStaged with the rest moved in beside the first pass, the
// master listing every variant last: a master only ever points at
// complete variants. Run one Transcode per outDir at a time.
func (r *Runner) Transcode(ctx context.Context, input string, info *Info, outDir string) (*Output, error) {
	restDir, err := os.MkdirTemp("", "kurz-rest-")
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	defer os.RemoveAll(restDir)
	out, err := r.TranscodeStaged(ctx, input, info, outDir, restDir, Staged{})
	if err == nil {
		for _, rd := range out.Renditions[1:] {
			if err = os.Rename(filepath.Join(restDir, filepath.Dir(rd.Playlist)), filepath.Join(outDir, filepath.Dir(rd.Playlist))); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = os.Rename(filepath.Join(restDir, MasterName), filepath.Join(outDir, MasterName))
	}
	if err != nil {
		os.Remove(filepath.Join(outDir, MasterName))
		return nil, err
	}
	return out, nil
}

// TestTranscodeStaged: the first pass (360p, poster, preview) is handed
// over complete, with a master of its one variant, before the rest of the
// ladder is done; progress rises to the end of each pass; the master in
// the rest's folder lists every variant; and a second run given the
// first pass's renditions makes only the rest again.
func TestTranscodeStaged(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	mustClip(t, in, 720, 1280, 3, true)
	var pids []int
	r := &Runner{started: func(pid int) { mu.Lock(); pids = append(pids, pid); mu.Unlock() }}
	info := must(r.Probe(t.Context(), in))
	first, rest := filepath.Join(dir, "first"), filepath.Join(dir, "rest")
	must(0, os.Mkdir(first, 0o755))
	must(0, os.Mkdir(rest, 0o755))
	done := map[Pass][]float64{}
	var playable *Output
	out, err := r.TranscodeStaged(t.Context(), in, info, first, rest, Staged{
		RestNice: 10,
		Progress: func(p Pass, d float64) { mu.Lock(); done[p] = append(done[p], d); mu.Unlock() },
		Playable: func(o *Output) error {
			playable = o
			master := string(must(os.ReadFile(filepath.Join(first, MasterName))))
			if n := strings.Count(master, "#EXT-X-STREAM-INF"); n != 1 || !strings.Contains(master, "v0/index.m3u8") ||
				!strings.Contains(master, `CODECS="avc1.`) {
				t.Errorf("first master:\n%s", master)
			}
			for _, f := range []string{"v0/index.m3u8", "v0/seg_00000.ts", PosterName, PreviewName} {
				if _, err := os.Stat(filepath.Join(first, f)); err != nil {
					t.Error(err)
				}
			}
			if _, err := os.Stat(filepath.Join(rest, MasterName)); err == nil {
				t.Error("the rest's master exists before the rest is done")
			}
			// Once the first pass is done, the rest (still running, as
			// a rule) is back at nice 0, every thread of it.
			mu.Lock()
			restPid := 0
			for _, pid := range pids {
				if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); bytes.Contains(b, []byte("name:1")) {
					restPid = pid
				}
			}
			mu.Unlock()
			if nices := threadNices(restPid); restPid == 0 || len(nices) == 0 {
				t.Log("the rest ended before the first pass: its priority is not checked")
			} else if !waitNice0(restPid) {
				t.Errorf("the rest's threads keep nice %v after the first pass", threadNices(restPid))
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if playable == nil || len(playable.Renditions) != 1 || len(playable.Fingerprint) == 0 {
		t.Fatalf("playable = %+v", playable)
	}
	if len(out.Renditions) != 3 || out.Renditions[2].Playlist != "v2/index.m3u8" {
		t.Fatalf("Output = %+v", out)
	}
	master := string(must(os.ReadFile(filepath.Join(rest, MasterName))))
	for _, rd := range out.Renditions {
		if !strings.Contains(master, rd.Playlist) || !strings.Contains(master, fmt.Sprintf("RESOLUTION=%dx%d", rd.Width, rd.Height)) {
			t.Errorf("master lacks %+v:\n%s", rd, master)
		}
	}
	for _, f := range []string{"v1/index.m3u8", "v2/seg_00000.ts"} {
		if _, err := os.Stat(filepath.Join(rest, f)); err != nil {
			t.Error(err)
		}
	}
	for _, p := range []Pass{PassFirst, PassRest} {
		d := done[p]
		if len(d) == 0 || d[len(d)-1] < 0.9 || !slices.IsSorted(d) {
			t.Errorf("pass %d progress %v", p, d)
		}
	}
	// Resuming: only the rest is made, the master names the first too.
	again := filepath.Join(dir, "again")
	must(0, os.Mkdir(again, 0o755))
	out2, err := r.TranscodeStaged(t.Context(), in, info, first, again, Staged{First: out.Renditions[:1],
		Playable: func(*Output) error { t.Error("first pass run again"); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(out2.Renditions) != 3 || string(must(os.ReadFile(filepath.Join(again, MasterName)))) != master {
		t.Errorf("resumed master differs:\n%s", must(os.ReadFile(filepath.Join(again, MasterName))))
	}
}

// threadNices returns the nice value of every thread of process pid
// (none once it is gone).
func threadNices(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: state is the
		// 3rd field of the line, nice the 19th.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 16 {
			n, _ := strconv.Atoi(fields[16])
			out = append(out, n)
		}
	}
	return out
}

// waitNice0 waits (a few seconds at most) until every thread of pid is
// seen at nice 0; false if the process ends first.
func waitNice0(pid int) bool {
	for range 100 {
		nices := threadNices(pid)
		if len(nices) == 0 {
			return false
		}
		if !slices.ContainsFunc(nices, func(n int) bool { return n != 0 }) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

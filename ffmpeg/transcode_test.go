package ffmpeg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
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
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	mustClip(t, in, 720, 1280, 3, true)
	r := &Runner{}
	info := must(r.Probe(t.Context(), in))
	first, rest := filepath.Join(dir, "first"), filepath.Join(dir, "rest")
	must(0, os.Mkdir(first, 0o755))
	must(0, os.Mkdir(rest, 0o755))
	var mu sync.Mutex
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

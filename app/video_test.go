package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kurz/app"
	"kurz/internal/mediatest"
)

// nodeModules is where the web app's npm packages (tus-js-client) live.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("../web/node_modules")
	if _, err := os.Stat(filepath.Join(dir, "tus-js-client")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tus-js-client is missing: run scripts/setup.sh test (npm ci in web/)")
		}
		t.Skip("tus-js-client not installed (cd web && npm ci)")
	}
	return dir
}

type tusResult struct {
	URL     string `json:"url"`
	Offset  int64  `json:"offset"`
	VideoID string `json:"video_id"`
	Done    bool   `json:"done"`
	Error   string `json:"error"`
	Status  int    `json:"status"`
	Body    string `json:"body"`
}

// tusUpload runs tus-js-client in node. stop < 1 aborts after that share
// of the bytes; resume continues an earlier upload URL.
func (s *server) tusUpload(token, file string, meta map[string]string, stop float64, resume string) tusResult {
	s.t.Helper()
	mj, _ := json.Marshal(meta)
	args := []string{"testdata/tus-upload.cjs", s.URL() + "/api/v1/uploads/", file, token, string(mj), fmt.Sprint(stop)}
	if resume != "" {
		args = append(args, resume)
	}
	cmd := exec.Command("node", args...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules(s.t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("node tus client: %v: %s\n%s", err, out, stderr.Bytes())
	}
	var res tusResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		s.t.Fatalf("tus client output %q: %v", out, err)
	}
	return res
}

type videoJSON struct {
	ID, Status, Error, Caption, Visibility string
	Hashtags                               []string
	Creator                                struct{ Handle string }
	DurationMS                             int64 `json:"duration_ms"`
	Width, Height                          int
	HLSURL                                 string `json:"hls_url"`
	PosterURL                              string `json:"poster_url"`
	PreviewURL                             string `json:"preview_url"`
}

// waitVideo polls the API until the video leaves processing/uploading
// (and playable: its ladder is whole).
func (s *server) waitVideo(token, id string) videoJSON {
	s.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		r := s.do("GET", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+token)
		if r.Status != 200 {
			s.t.Fatalf("GET video %s: %d %s", id, r.Status, r.Body)
		}
		var v videoJSON
		r.json(s.t, &v)
		if v.Status != "processing" && v.Status != "uploading" && v.Status != "playable" {
			return v
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("video %s still %s after 3 minutes", id, v.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// injected is metadata a phone would write that must not survive.
var injected = []string{"+48.8577+002.2950", "KurzTestPhoneMake", "KurzTestModel", "2019-06-01T10:20:30"}

func TestUploadResumeToPlayableLadder(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("uploader", "uploader@example.org", "1990-01-01", "DE")
	s.login(&a)
	dir := t.TempDir()
	src := filepath.Join(dir, "clip.mov")
	mediatest.Clip(t, src, 1080, 1920, 3, true, "-b:v", "6M",
		"-metadata", "location=+48.8577+002.2950/", "-metadata", "location-eng=+48.8577+002.2950/",
		"-metadata", "com.apple.quicktime.location.ISO6709=+48.8577+002.2950/",
		"-metadata", "com.apple.quicktime.make=KurzTestPhoneMake", "-metadata", "com.apple.quicktime.model=KurzTestModel",
		"-metadata", "make=KurzTestPhoneMake", "-metadata", "model=KurzTestModel",
		"-metadata", "creation_time=2019-06-01T10:20:30Z", "-movflags", "use_metadata_tags")
	srcData, _ := os.ReadFile(src)
	if !bytes.Contains(srcData, []byte("KurzTestPhoneMake")) {
		t.Fatal("the source does not carry the injected tags; the test would prove nothing")
	}

	meta := map[string]string{"caption": "first light #Morning #kurz", "filename": "clip.mov", "visibility": "public"}
	first := s.tusUpload(a.Token, src, meta, 0.5, "")
	if first.Error != "" || first.Done || first.URL == "" {
		t.Fatalf("interrupted upload: %+v", first)
	}
	id := first.URL[strings.LastIndex(first.URL, "/")+1:]
	if first.VideoID != id || !strings.HasPrefix(id, "eu_") {
		t.Fatalf("Kurz-Video-Id %q, upload URL %q", first.VideoID, first.URL)
	}
	// Half-way: the server holds part of the file, the video is uploading.
	head := s.do("HEAD", "/api/v1/uploads/"+id, nil, "Authorization", "Bearer "+a.Token, "Tus-Resumable", "1.0.0")
	if head.Status != 200 || head.Header.Get("Upload-Offset") == "0" || head.Header.Get("Upload-Offset") == fmt.Sprint(len(srcData)) {
		t.Fatalf("HEAD after interruption: %d offset %q of %d", head.Status, head.Header.Get("Upload-Offset"), len(srcData))
	}
	var half videoJSON
	s.do("GET", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+a.Token).json(t, &half)
	if half.Status != "uploading" {
		t.Fatalf("interrupted video status %q", half.Status)
	}
	second := s.tusUpload(a.Token, src, meta, 1, first.URL)
	if second.Error != "" || !second.Done {
		t.Fatalf("resumed upload: %+v", second)
	}

	v := s.waitVideo(a.Token, id)
	if v.Status != "ready" {
		t.Fatalf("video ended %q: %s", v.Status, v.Error)
	}
	if v.Caption != "first light #Morning #kurz" || strings.Join(v.Hashtags, ",") != "morning,kurz" || v.Creator.Handle != "uploader" {
		t.Fatalf("video = %+v", v)
	}
	if v.DurationMS < 2900 || v.DurationMS > 3200 || v.Width != 720 || v.Height != 1280 {
		t.Fatalf("duration %d, size %dx%d", v.DurationMS, v.Width, v.Height)
	}

	// The master playlist lists every rung; ffprobe reads each from the
	// served URLs; no output carries the injected metadata.
	master := s.do("GET", v.HLSURL, nil)
	if master.Status != 200 || master.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Fatalf("master: %d %q", master.Status, master.Header.Get("Content-Type"))
	}
	var variants []string
	sc := bufio.NewScanner(bytes.NewReader(master.Body))
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			variants = append(variants, l)
		}
	}
	if len(variants) != 3 || !strings.Contains(string(master.Body), "RESOLUTION=360x640") || !strings.Contains(string(master.Body), "RESOLUTION=720x1280") {
		t.Fatalf("master playlist:\n%s", master.Body)
	}
	base := strings.TrimSuffix(v.HLSURL, "master.m3u8")
	var served [][]byte
	for _, variant := range variants {
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0",
			s.URL()+base+variant).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "h264") {
			t.Fatalf("ffprobe %s: %v\n%s", variant, err, out)
		}
		pl := s.do("GET", base+variant, nil)
		served = append(served, pl.Body)
		vdir := variant[:strings.Index(variant, "/")+1]
		for _, l := range strings.Split(string(pl.Body), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				seg := s.do("GET", base+vdir+l, nil)
				if seg.Status != 200 || seg.Header.Get("Content-Type") != "video/mp2t" || !strings.Contains(seg.Header.Get("Cache-Control"), "must-revalidate") {
					t.Fatalf("segment %s: %d %v", l, seg.Status, seg.Header)
				}
				served = append(served, seg.Body)
			}
		}
	}
	poster := s.do("GET", v.PosterURL, nil)
	preview := s.do("GET", v.PreviewURL, nil)
	if poster.Status != 200 || !bytes.HasPrefix(poster.Body, []byte{0xff, 0xd8}) || preview.Status != 200 {
		t.Fatalf("poster %d, preview %d", poster.Status, preview.Status)
	}
	served = append(served, master.Body, poster.Body, preview.Body)
	for _, b := range served {
		for _, tag := range injected {
			if bytes.Contains(b, []byte(tag)) {
				t.Fatalf("served media carries injected metadata %q", tag)
			}
		}
	}
	// Byte ranges work on segments (players seek with them).
	rng := s.do("GET", v.PosterURL, nil, "Range", "bytes=0-9")
	if rng.Status != http.StatusPartialContent || len(rng.Body) != 10 {
		t.Fatalf("range request: %d, %d bytes", rng.Status, len(rng.Body))
	}

	// The raw upload is gone; everything lives under eu only.
	if _, err := os.Stat(filepath.Join(s.Config.DataDir, "eu", "uploads", id)); !os.IsNotExist(err) {
		t.Fatalf("raw upload still there: %v", err)
	}
	for _, region := range []string{"us", "sg"} {
		filepath.Walk(filepath.Join(s.Config.DataDir, region), func(p string, fi os.FileInfo, err error) error {
			if err == nil && strings.Contains(p, id) {
				t.Errorf("eu upload produced %s", p)
			}
			return nil
		})
	}

	// Someone else cannot touch the upload URL.
	b := s.signUp("other", "other@example.org", "1990-01-01", "DE")
	s.login(&b)
	for _, m := range []string{"HEAD", "PATCH", "DELETE"} {
		if r := s.do(m, "/api/v1/uploads/"+id, nil, "Authorization", "Bearer "+b.Token, "Tus-Resumable", "1.0.0"); r.Status != 404 {
			t.Errorf("%s on someone else's upload: %d", m, r.Status)
		}
	}
	if r := s.do("GET", "/api/v1/uploads/"+id, nil, "Authorization", "Bearer "+a.Token); r.Status == 200 {
		t.Error("a finished upload is downloadable through tus")
	}
}

// listener accepts and counts connections; a hostile playlist must never
// make ffmpeg connect.
func listener(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), &n
}

func TestHostileUploads(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) {
		c.MaxUploadBytes = 4 << 20
		c.MaxVideoDuration = 2 * time.Second
	})
	a := s.signUp("hostile", "hostile@example.org", "1990-01-01", "DE")
	s.login(&a)
	dir := t.TempDir()
	addr, conns := listener(t)
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gen := func(name string, args ...string) string {
		p := filepath.Join(dir, name)
		mediatest.FFmpeg(t, append(args, p)...)
		return p
	}
	truncated := gen("full.mp4", "-f", "lavfi", "-i", "testsrc2=s=320x568:r=30:d=2", "-c:v", "libx264", "-preset", "ultrafast")
	full, _ := os.ReadFile(truncated)
	huge := filepath.Join(dir, "huge.avi")
	mediatest.HugeAVI(t, huge, 20000, 20000)
	long := filepath.Join(dir, "long.mp4")
	mediatest.Clip(t, long, 64, 114, 3, false)
	playlist := "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://" + addr + "/x.ts\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXTINF:10.0,\n/etc/passwd\n#EXT-X-ENDLIST\n"

	cases := []struct{ name, path, want string }{
		{"zero bytes", file("empty.mp4", nil), "empty"},
		{"text named .mp4", file("notes.mp4", []byte("just some notes, definitely not a video\n")), "not a video"},
		{"PNG image", gen("image.png", "-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1"), "image"},
		{"truncated MP4", file("truncated.mp4", full[:len(full)*3/10]), "damaged or incomplete"},
		{"audio only", gen("audio.m4a", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac"), "no video"},
		{"20000x20000", huge, "too large (20000x20000)"},
		{"HLS playlist as .mp4", file("playlist.mp4", []byte(playlist)), "not a video"},
		{"concat script", file("concat.mp4", []byte("ffconcat version 1.0\nfile '/etc/passwd'\nfile 'http://"+addr+"/y.ts'\n")), "not a video"},
		{"over-long", long, "longer than 2 seconds"},
	}
	ids := map[string]string{}
	for _, tc := range cases {
		res := s.tusUpload(a.Token, tc.path, map[string]string{"caption": tc.name}, 1, "")
		if res.Error != "" || !res.Done {
			t.Fatalf("%s: upload %+v", tc.name, res)
		}
		ids[tc.name] = res.VideoID
	}
	for _, tc := range cases {
		v := s.waitVideo(a.Token, ids[tc.name])
		if v.Status != "failed" || !strings.Contains(v.Error, tc.want) {
			t.Errorf("%s: status %q error %q, want failed with %q", tc.name, v.Status, v.Error, tc.want)
		}
		if v.HLSURL != "" {
			t.Errorf("%s: failed video has media URLs", tc.name)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("hostile inputs made %d outbound connections", n)
	}
	// No output anywhere holds local file content.
	filepath.Walk(filepath.Join(s.Config.DataDir, "eu"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("root:x:")) {
				t.Errorf("%s contains /etc/passwd", p)
			}
		}
		return nil
	})

	// Oversized: refused with 413 before a byte is stored.
	big := file("big.mp4", bytes.Repeat([]byte{0}, 5<<20))
	res := s.tusUpload(a.Token, big, map[string]string{}, 1, "")
	if res.Status != 413 || !strings.Contains(res.Body, "larger") {
		t.Fatalf("oversized upload: %+v", res)
	}
	// The server is still up and serving.
	if r := s.do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz after the corpus: %d", r.Status)
	}
}

package app_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/internal/mediatest"
)

// colorClip writes a clip of one colour with the given lavfi audio source.
func colorClip(t *testing.T, path, color string, seconds float64, audio string) {
	t.Helper()
	d := strconv.FormatFloat(seconds, 'f', -1, 64)
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "color=c="+color+":s=360x640:r=30:d="+d, "-f", "lavfi", "-i", audio+":d="+d,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path)
}

// servedAudio decodes the audio a viewer is served (mono, 8 kHz).
func servedAudio(t *testing.T, url string) []float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", url, "-vn", "-ac", "1", "-ar", "8000", "-f", "s16le", "pipe:1").Output()
	if err != nil {
		t.Fatalf("decode audio of %s: %v", url, err)
	}
	s := make([]float64, len(out)/2)
	for i := range s {
		s[i] = float64(int16(binary.LittleEndian.Uint16(out[2*i:])))
	}
	return s
}

// likeness is the best normalised correlation of a with b over lags of up
// to 50 ms, on a's first n samples.
func likeness(a, b []float64, n int) float64 {
	best := 0.0
	for lag := -400; lag <= 400; lag++ {
		var ab, aa, bb float64
		for i := 0; i < n && i < len(a); i++ {
			j := i + lag
			if j < 0 || j >= len(b) {
				continue
			}
			ab += a[i] * b[j]
			aa += a[i] * a[i]
			bb += b[j] * b[j]
		}
		if aa > 0 && bb > 0 {
			best = max(best, ab/math.Sqrt(aa*bb))
		}
	}
	return best
}

// servedDuration is the duration ffprobe reads from the served playlist.
func servedDuration(t *testing.T, url string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", url).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("duration %q: %v", out, err)
	}
	return d
}

// servedSize is the frame size of the highest rendition ffprobe reads
// from the served master playlist.
func servedSize(t *testing.T, url string) (w, h int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=width,height", "-of", "csv=p=0", url).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	for _, l := range strings.Fields(string(out)) {
		var a, b int
		if _, err := fmt.Sscanf(l, "%d,%d", &a, &b); err == nil && a*b > w*h {
			w, h = a, b
		}
	}
	return w, h
}

// colorAt names the colour ("red", "blue" or "?") of the served picture at
// second at, at a point given as fractions of the width and height.
func colorAt(t *testing.T, url string, at, x, y float64) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", strconv.FormatFloat(at, 'f', 2, 64), "-i", url, "-frames:v", "1",
		"-vf", "scale=16:32", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1").Output()
	if err != nil || len(out) != 16*32*3 {
		t.Fatalf("frame of %s at %gs: %v (%d bytes)", url, at, err, len(out))
	}
	p := out[(int(y*32)*16+int(x*16))*3:]
	r, g, b := int(p[0]), int(p[1]), int(p[2])
	switch {
	case r > 150 && g < 90 && b < 90:
		return "red"
	case b > 150 && r < 90 && g < 90:
		return "blue"
	}
	return "?"
}

// cornerLight is the mean green of the lower right corner of the picture
// at 1 s: about 0 on a red clip, more where white text is drawn.
func cornerLight(t *testing.T, url string) float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", "1", "-i", url, "-frames:v", "1",
		"-vf", "crop=iw/2:ih/10:iw/2:ih*9/10,scale=64:16", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1").Output()
	if err != nil || len(out) != 64*16*3 {
		t.Fatalf("corner of %s: %v", url, err)
	}
	sum := 0
	for i := 1; i < len(out); i += 3 {
		sum += int(out[i])
	}
	return float64(sum) / float64(64*16)
}

// TestRemixAcrossRegions: a us creator's public clip (red, with noise) is
// used from eu: "use this sound" serves the eu clip's picture with the
// source's audio; a duet serves both side by side (the new clip left) for
// the new clip's length; a stitch starts with the source's first 5 s
// (of 8) and then the new clip. Hostile cases: a private, a deleted and a
// disallowed source are refused with a clear error.
func TestRemixAcrossRegions(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	dir := t.TempDir()
	src := s.signUp("noise_maker", "noise@example.com", "1990-01-01", "US")
	s.login(&src)
	me := s.signUp("remixer", "remixer@example.org", "1990-01-01", "DE")
	s.login(&me)
	if src.Region != "us" || me.Region != "eu" {
		t.Fatalf("regions %s %s", src.Region, me.Region)
	}
	srcClip, myClip := filepath.Join(dir, "src.mp4"), filepath.Join(dir, "mine.mp4")
	colorClip(t, srcClip, "red", 8, "anoisesrc=seed=7:c=pink:r=44100")
	colorClip(t, myClip, "blue", 3, "sine=f=1000")
	up := s.tusUpload(src.Token, srcClip, map[string]string{"caption": "noise #source", "visibility": "public"}, 1, "")
	if !up.Done {
		t.Fatalf("source upload: %+v", up)
	}
	srcID := up.VideoID
	if v := s.waitVideo(src.Token, srcID); v.Status != "ready" {
		t.Fatalf("source: %s %s", v.Status, v.Error)
	}
	waitFor(t, "the source in eu's catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(srcID); return ok })

	remix := func(kind string, meta ...string) videoJSON {
		t.Helper()
		m := map[string]string{"caption": kind + " #remix", "visibility": "public", "remix": kind, "remix_of": srcID}
		for i := 0; i+1 < len(meta); i += 2 {
			m[meta[i]] = meta[i+1]
		}
		res := s.tusUpload(me.Token, myClip, m, 1, "")
		if !res.Done {
			t.Fatalf("%s upload: %+v", kind, res)
		}
		v := s.waitVideo(me.Token, res.VideoID)
		if v.Status != "ready" {
			t.Fatalf("%s: %s %s", kind, v.Status, v.Error)
		}
		var rec struct {
			Sound string
			Remix struct{ Kind, Of string }
		}
		s.do("GET", "/api/v1/videos/"+v.ID, nil).json(t, &rec)
		if rec.Remix.Kind != kind || rec.Remix.Of != srcID {
			t.Errorf("%s: the record does not link to its source: %+v", kind, rec)
		}
		return v
	}
	srcAudio := servedAudio(t, s.URL()+"/media/"+srcID+"/master.m3u8")

	// Use this sound: the eu clip's picture, the us clip's audio.
	snd := remix("sound")
	url := s.URL() + snd.HLSURL
	got := servedAudio(t, url)
	if l := likeness(got, srcAudio, 16000); l < 0.8 {
		t.Errorf("the sound's audio does not match the source's: correlation %.2f", l)
	}
	if d := servedDuration(t, url); math.Abs(d-3) > 0.3 {
		t.Errorf("sound remix lasts %.2fs, want the new clip's 3s", d)
	}
	if c := colorAt(t, url, 1, 0.5, 0.5); c != "blue" {
		t.Errorf("sound remix shows %s, want the new clip (blue)", c)
	}
	var page struct {
		Sound struct{ ID, Name string }
		Items []struct{ ID string }
	}
	waitFor(t, "the sound page to list the remix", func() bool {
		s.do("GET", "/api/v1/sounds/"+srcID+"/videos", nil).json(t, &page)
		return len(page.Items) == 2
	})
	if page.Sound.Name != "original sound – @noise_maker" || page.Items[0].ID != snd.ID || page.Items[1].ID != srcID {
		t.Errorf("sound page: %+v", page)
	}

	// The sound trends worldwide on Discover: two of the best-ranked
	// videos use it.
	var disc struct {
		WorldwideSounds []struct {
			Sound  struct{ ID, Name string }
			Videos []struct{ ID string }
		} `json:"worldwide_sounds"`
	}
	s.do("GET", "/api/v1/discover", nil, "Authorization", "Bearer "+me.Token).json(t, &disc)
	if len(disc.WorldwideSounds) != 1 || disc.WorldwideSounds[0].Sound.ID != srcID || len(disc.WorldwideSounds[0].Videos) != 2 {
		t.Errorf("discover's sounds: %+v", disc)
	}

	// Duet: side by side, the new clip left, as long as the new clip.
	duet := remix("duet")
	url = s.URL() + duet.HLSURL
	if d := servedDuration(t, url); math.Abs(d-3) > 0.3 {
		t.Errorf("duet lasts %.2fs, want 3s", d)
	}
	if l, r := colorAt(t, url, 1, 0.3, 0.5), colorAt(t, url, 1, 0.7, 0.5); l != "blue" || r != "red" {
		t.Errorf("duet shows %s | %s, want blue | red", l, r)
	}
	if l := likeness(servedAudio(t, url), srcAudio, 16000); l < 0.3 {
		t.Errorf("the duet's audio has none of the source's: correlation %.2f", l)
	}

	// Duet top/bottom: the new clip above the source, a 720x1280 frame.
	top := remix("duet", "layout", "top")
	url = s.URL() + top.HLSURL
	if d := servedDuration(t, url); math.Abs(d-3) > 0.3 {
		t.Errorf("stacked duet lasts %.2fs, want 3s", d)
	}
	if up, down := colorAt(t, url, 1, 0.5, 0.3), colorAt(t, url, 1, 0.5, 0.7); up != "blue" || down != "red" {
		t.Errorf("stacked duet shows %s above %s, want blue above red", up, down)
	}
	if w, h := servedSize(t, url); w*16 != h*9 {
		t.Errorf("stacked duet's highest rendition is %dx%d, want 9:16", w, h)
	}
	var topRec struct{ Remix struct{ Kind, Layout string } }
	s.do("GET", "/api/v1/videos/"+top.ID, nil, "Authorization", "Bearer "+me.Token).json(t, &topRec)
	if topRec.Remix.Kind != "duet" || topRec.Remix.Layout != "top" {
		t.Errorf("stacked duet's record: %+v", topRec)
	}
	if res := s.tusUpload(me.Token, myClip, map[string]string{"caption": "x", "remix": "stitch", "remix_of": srcID, "layout": "top"}, 1, ""); res.Done || res.Status != 400 || !strings.Contains(res.Body, `"field":"layout"`) {
		t.Errorf("a stitch with a layout: %+v", res)
	}
	if res := s.tusUpload(me.Token, myClip, map[string]string{"caption": "x", "remix": "duet", "remix_of": srcID, "layout": "diagonal"}, 1, ""); res.Done || res.Status != 400 || !strings.Contains(res.Body, `"field":"layout"`) {
		t.Errorf("a duet with an unknown layout: %+v", res)
	}

	// Stitch: the source's first 5 s of 8, then the new clip.
	stitch := remix("stitch")
	url = s.URL() + stitch.HLSURL
	if d := servedDuration(t, url); math.Abs(d-8) > 0.4 {
		t.Errorf("stitch lasts %.2fs, want 5s of the source + 3s", d)
	}
	if c := colorAt(t, url, 2, 0.5, 0.5); c != "red" {
		t.Errorf("stitch at 2s shows %s, want the source (red)", c)
	}
	if c := colorAt(t, url, 6.5, 0.5, 0.5); c != "blue" {
		t.Errorf("stitch at 6.5s shows %s, want the new clip (blue)", c)
	}

	// Hostile: a private, a deleted and a disallowed source.
	refused := func(what, token, source, kind string, status int) {
		t.Helper()
		res := s.tusUpload(token, myClip, map[string]string{"caption": "x", "remix": kind, "remix_of": source}, 1, "")
		field := "remix_of"
		if status == 400 {
			field = "remix"
		}
		if res.Done || res.Status != status || !bytes.Contains([]byte(res.Body), []byte(`"field":"`+field+`"`)) {
			t.Errorf("%s: %+v", what, res)
		}
	}
	priv := s.tusUpload(src.Token, srcClip, map[string]string{"caption": "mine only", "visibility": "private"}, 1, "")
	s.waitVideo(src.Token, priv.VideoID)
	refused("the sound of a private video", me.Token, priv.VideoID, "sound", 404)
	gone := s.publish(src, "soon gone")
	waitFor(t, "the video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(gone); return ok })
	if r := s.do("DELETE", "/api/v1/videos/"+gone, nil, "Authorization", "Bearer "+src.Token); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	waitFor(t, "the deletion in eu", func() bool { _, ok := s.Cell("eu").Index.Video(gone); return !ok })
	refused("a duet of a deleted video", me.Token, gone, "duet", 404)
	teen := time.Now().AddDate(-14, 0, 0).Format("2006-01-02")
	kid1 := s.signUp("teen_one", "teen1@example.org", teen, "DE")
	s.login(&kid1)
	kid2 := s.signUp("teen_two", "teen2@example.org", teen, "DE")
	s.login(&kid2)
	kidVideo := s.publish(kid1, "my dance")
	refused("an adult's duet of a 14-year-old's video", me.Token, kidVideo, "duet", 404)
	// A 13-15 year old's account is private: nobody may use their videos,
	// another teen included.
	refused("a teen's duet of another teen's video", kid2.Token, kidVideo, "duet", 404)
	closed := s.publish(src, "no remixes, please")
	if r := s.do("PATCH", "/api/v1/videos/"+closed, map[string]any{"allow": map[string]bool{"duet": false, "stitch": false, "download": false}},
		"Authorization", "Bearer "+src.Token); r.Status != 200 {
		t.Fatalf("switching remixes off: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the switches in eu's catalogue", func() bool { v, ok := s.Cell("eu").Index.Video(closed); return ok && v.Allow == 0 })
	refused("a duet of a video whose creator does not allow it", me.Token, closed, "duet", 403)
	refused("a stitch of a video whose creator does not allow it", me.Token, closed, "stitch", 403)
	refused("an unknown kind", me.Token, srcID, "karaoke", 400)

	// Download: an MP4 with the watermark in its lower right corner, made
	// once; private videos have none.
	dl := s.do("GET", "/api/v1/videos/"+srcID+"/download", nil)
	if dl.Status != 200 || dl.Header.Get("Content-Type") != "video/mp4" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v %.200s", dl.Status, dl.Header, dl.Body)
	}
	file := filepath.Join(dir, "download.mp4")
	if err := os.WriteFile(file, dl.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := servedDuration(t, file); math.Abs(d-8) > 0.3 {
		t.Errorf("download lasts %.2fs, want 8s", d)
	}
	if c := colorAt(t, file, 1, 0.5, 0.5); c != "red" {
		t.Errorf("download shows %s in the middle, want the clip (red)", c)
	}
	if g, src := cornerLight(t, file), cornerLight(t, s.URL()+"/media/"+srcID+"/master.m3u8"); g < 10 || src > 5 {
		t.Errorf("no watermark in the download's lower right corner (light %.1f there, %.1f in the served clip)", g, src)
	}
	if l := likeness(servedAudio(t, file), srcAudio, 16000); l < 0.8 {
		t.Errorf("the download's audio is not the video's: correlation %.2f", l)
	}
	if again := s.do("GET", "/api/v1/videos/"+srcID+"/download", nil); !bytes.Equal(again.Body, dl.Body) {
		t.Error("a second download is made anew")
	}
	if r := s.do("GET", "/api/v1/videos/"+priv.VideoID+"/download", nil, "Authorization", "Bearer "+src.Token); r.Status != 404 {
		t.Errorf("download of a private video: %d", r.Status)
	}

	// The creator switches duets off: the next duet is refused, stitches
	// still work; someone else cannot switch them.
	off := map[string]any{"allow": map[string]bool{"duet": false}}
	if r := s.do("PATCH", "/api/v1/videos/"+srcID, off, "Authorization", "Bearer "+me.Token); r.Status != 404 {
		t.Errorf("someone else's switch: %d %s", r.Status, r.Body)
	}
	r := s.do("PATCH", "/api/v1/videos/"+srcID, off, "Authorization", "Bearer "+src.Token)
	var allow struct {
		Allow struct{ Duet, Stitch, Download bool }
	}
	r.json(t, &allow)
	if r.Status != 200 || allow.Allow.Duet || !allow.Allow.Stitch || !allow.Allow.Download {
		t.Fatalf("switch duets off: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the switch in eu's catalogue", func() bool {
		v, _ := s.Cell("eu").Index.Video(srcID)
		return v != nil && v.Allow&kurz.AllowDuet == 0
	})
	refused("a duet after the creator switched duets off", me.Token, srcID, "duet", 403)
	s.do("PATCH", "/api/v1/videos/"+srcID, map[string]any{"allow": map[string]bool{"download": false}}, "Authorization", "Bearer "+src.Token)
	if r := s.do("GET", "/api/v1/videos/"+srcID+"/download", nil); r.Status != 403 || r.errorCode(t) != kurz.EForbidden {
		t.Errorf("download after the creator switched downloads off: %d %s", r.Status, r.Body)
	}
}

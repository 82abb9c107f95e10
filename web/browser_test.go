package web

import (
	"context"
	"encoding/json"
	"kurz/internal/browsertest"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// needBrowser returns chromium's path, or fails (CI) / skips (laptop)
// when chromium or the front-end bundle is missing.
func needBrowser(t *testing.T, h *Handler) string {
	t.Helper()
	if _, ok := h.hashes["dist/app.js"]; !ok {
		browsertest.Missing(t, "front-end bundle not built: cd web && npm ci && npm run build")
	}
	return browsertest.Chromium(t)
}

// makeHLS renders a short vertical test clip as HLS with a poster, so the
// browser test can check that the player really plays. Empty if ffmpeg is
// missing.
func makeHLS(t *testing.T) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg not installed")
		}
		return ""
	}
	dir := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command(ff, append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
	run("-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
		"-t", "6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "main", "-g", "30", "-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_segment_filename", "seg%03d.ts", "index.m3u8")
	run("-f", "lavfi", "-i", "testsrc2=size=360x640", "-frames:v", "1", "poster.jpg")
	return dir
}

// xssCaption tries every way of running script that a careless renderer
// would allow; window.__xss is set if any of them runs.
const xssCaption = `<script>window.__xss=1;alert(1)</script> "><img src=x onerror="window.__xss=2;alert(2)"> ` +
	`<a href="javascript:window.__xss=3">x</a> javascript:window.__xss=4 #ok @alice`

type stubAPI struct {
	mu    sync.Mutex
	views map[string]int
	likes map[string]string // id -> last method
}

func (s *stubAPI) register(mux *http.ServeMux, media string) {
	item := func(id, caption, handle string) map[string]any {
		return map[string]any{"id": id, "status": "ready", "caption": caption, "hashtags": []string{"ok"},
			"creator": map[string]string{"handle": handle}, "duration_ms": 6000, "width": 360, "height": 640,
			"hls_url": "/media/index.m3u8", "poster_url": "/media/poster.jpg", "likes": 41, "comments": 2, "views": 7,
			"created_at": time.Now().UTC(), "liked": false, "following": false}
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/v1/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			writeJSON(w, map[string]any{"items": []any{item("eu_a", xssCaption, "mallory"), item("eu_b", "Second clip #dance", "bob")}, "next_cursor": "p2"})
			return
		}
		writeJSON(w, map[string]any{"items": []any{item("eu_c", "Third one @alice", "carol")}, "next_cursor": ""})
	})
	mux.HandleFunc("POST /api/v1/videos/{id}/view", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.views[r.PathValue("id")]++
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/v1/videos/{id}/comments", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"items": []any{
			map[string]any{"id": "c1", "text": xssCaption, "author": map[string]string{"handle": "mallory"}, "created_at": time.Now().UTC()},
		}, "next_cursor": ""})
	})
	likeFn := func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want JSON", http.StatusUnsupportedMediaType)
			return
		}
		s.mu.Lock()
		s.likes[r.PathValue("id")] = r.Method
		s.mu.Unlock()
		writeJSON(w, map[string]any{"likes": 42})
	}
	mux.HandleFunc("PUT /api/v1/videos/{id}/like", likeFn)
	mux.HandleFunc("DELETE /api/v1/videos/{id}/like", likeFn)
	if media != "" {
		mux.Handle("GET /media/", http.StripPrefix("/media/", http.FileServer(http.Dir(media))))
	}
}

// TestBrowserFeed loads the feed in headless chromium with captions and
// comments full of XSS payloads, and checks that no script ran, that the
// player plays, that views are counted once and keyboard swiping works.
// With KURZ_ARTIFACTS set it writes screenshots of the feed and upload
// pages there.
func TestBrowserFeed(t *testing.T) {
	b := newFake()
	h := New(b, nil)
	chrome := needBrowser(t, h)
	media := makeHLS(t)
	api := &stubAPI{views: map[string]int{}, likes: map[string]string{}}
	mux := http.NewServeMux()
	h.Register(mux)
	api.register(mux, media)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	br := newBrowser(t, chrome, 390, 844, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	tctx, do, eval, text := br.Ctx, br.Do, br.Eval, br.Text

	do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`.clip[data-id="eu_b"]`)))
	caption := text(`.clip[data-id="eu_a"] .caption`)
	if !strings.Contains(caption, "<script>window.__xss=1") || !strings.Contains(caption, `onerror="window.__xss=2`) {
		t.Errorf("payload not shown as text: %q", caption)
	}
	if links := eval(`[...document.querySelectorAll('.clip[data-id="eu_a"] .caption a')].map(a => a.getAttribute('href')).join(' ')`); links != "/tag/ok /@alice" {
		t.Errorf("caption links = %v", links)
	}
	if h := text(`.clip[data-id="eu_a"] .meta .handle`); h != "@mallory" {
		t.Errorf("handle = %q", h)
	}

	if media != "" {
		// The first clip plays (muted autoplay), and after 2 s of playback
		// its view is posted once.
		playing := false
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !playing; time.Sleep(200 * time.Millisecond) {
			playing = eval(`(() => { const v = document.querySelector('.clip[data-id="eu_a"] video'); return !!v && v.currentTime > 2.3 && !v.paused; })()`) == true
		}
		if !playing {
			t.Fatalf("first clip does not play: %v", eval(`(() => { const v = document.querySelector('.clip[data-id="eu_a"] video'); return JSON.stringify({t: v.currentTime, p: v.paused, rs: v.readyState, e: v.error && v.error.message, src: v.src}); })()`))
		}
		// A decoded frame is not blank.
		if bright := eval(`(() => { const v = document.querySelector('.clip[data-id="eu_a"] video'); const c = document.createElement('canvas'); c.width = 36; c.height = 64; const g = c.getContext('2d'); g.drawImage(v, 0, 0, 36, 64); const d = g.getImageData(0, 0, 36, 64).data; let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i+1] + d[i+2]; return s / (d.length / 4); })()`); bright.(float64) < 20 {
			t.Errorf("decoded frame is blank (mean brightness %v)", bright)
		}
		// The next clip's player was attached ahead of time.
		if eval(`document.querySelector('.clip[data-id="eu_b"] video').readyState >= 2`) != true {
			t.Error("next clip not preloaded")
		}
		time.Sleep(300 * time.Millisecond)
		api.mu.Lock()
		if api.views["eu_a"] != 1 {
			t.Errorf("views posted for eu_a: %d, want 1", api.views["eu_a"])
		}
		api.mu.Unlock()
		// ArrowDown swipes to the next clip, which starts playing.
		do(chromedp.KeyEvent(kb.ArrowDown), chromedp.Sleep(1500*time.Millisecond))
		bPlaying := eval(`(() => { const v = document.querySelector('.clip[data-id="eu_b"] video'); return v.currentTime > 0.2 && !v.paused; })()`)
		aPaused := eval(`document.querySelector('.clip[data-id="eu_a"] video').paused`)
		if bPlaying != true || aPaused != true {
			t.Errorf("after ArrowDown: second playing %v, first paused %v", bPlaying, aPaused)
		}
		// Infinite scroll fetched the next page.
		if n := eval(`document.querySelectorAll('.clip').length`); n != 3.0 {
			t.Errorf("clips after reaching the end: %v, want 3", n)
		}
		do(chromedp.KeyEvent(kb.ArrowUp), chromedp.Sleep(time.Second))
	}

	// Screenshot of the feed, then the comments sheet with a hostile comment.
	shoot(t, tctx, "feed-phone.png")
	do(chromedp.Click(chromedp.CSS(`.clip[data-id="eu_a"] .act.comments`)), chromedp.WaitVisible(chromedp.CSS(`.comment .text`)))
	if c := text(`.comment .text`); !strings.Contains(c, "<script>window.__xss=1") {
		t.Errorf("comment payload not shown as text: %q", c)
	}
	shoot(t, tctx, "comments-phone.png")

	if xss := eval(`String(window.__xss)`); xss != "undefined" {
		t.Errorf("injected script ran: window.__xss = %v", xss)
	}
	br.NoDialogs("feed")

	// Signed out, a like sends the visitor to sign in and back.
	do(chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`.clip[data-id="eu_a"] .act.like`)),
		chromedp.WaitVisible(chromedp.CSS(`#signin-form`)))
	if loc, _ := chromedp.Run(tctx, chromedp.Location()); !strings.HasSuffix(loc, "/signin?next=%2F") {
		t.Errorf("like while signed out went to %s", loc)
	}

	// Signed in, a like is sent as JSON and shown as pressed.
	do(chromedp.Evaluate[chromedp.Void](`document.cookie = "fake_session=alice; path=/"`),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`.clip[data-id="eu_a"] .act.like`)),
		chromedp.Sleep(500*time.Millisecond))
	pressed := eval(`document.querySelector('.clip[data-id="eu_a"] .act.like').getAttribute('aria-pressed')`)
	api.mu.Lock()
	if api.likes["eu_a"] != "PUT" || pressed != "true" {
		t.Errorf("like: API saw %q, aria-pressed %v; viewer %v, toast %v", api.likes["eu_a"], pressed,
			eval(`JSON.stringify(JSON.parse(document.getElementById('kurz-boot').textContent).viewer)`), eval(`document.querySelector('.toast').textContent`))
	}
	api.mu.Unlock()
	do(chromedp.Navigate(srv.URL+"/upload"), chromedp.WaitVisible(chromedp.ID("upload-form")))
	shoot(t, tctx, "upload-phone.png")
	for _, p := range []string{"/@alice", "/signup", "/v/eu_v1"} {
		do(chromedp.Navigate(srv.URL+p), chromedp.Sleep(300*time.Millisecond))
		shoot(t, tctx, strings.NewReplacer("/", "", "@", "profile-").Replace(p)+"-phone.png")
	}
	do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.clip[data-id="eu_a"]`)), chromedp.Sleep(1500*time.Millisecond))
	shoot(t, tctx, "feed-desktop.png")
}

// shoot writes a screenshot to $KURZ_ARTIFACTS/web/, if set.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KURZ_ARTIFACTS")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newBrowser starts chromium with one tab of the given size, under the
// test's 90-second deadline.
func newBrowser(t *testing.T, chrome string, width, height int64, extra ...chromedp.ExecAllocatorOption) *browsertest.Tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(browsertest.Start(t, chrome, extra...), 90*time.Second)
	t.Cleanup(cancel)
	return browsertest.NewTab(t, ctx, width, height)
}

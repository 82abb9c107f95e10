package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"

	"kurz"
)

// Payloads every user-text field is tried with.
const (
	xssScript = `<script>alert(1)</script>`
	xssAttr   = `"><img src=x onerror=alert(1)>`
	xssURL    = `javascript:alert(1)`
	xssAll    = xssScript + " " + xssAttr + " " + xssURL + " #tag @alice"
)

// fakeBackend serves a fixed catalogue. The viewer is whoever the
// "fake_session" cookie names.
type fakeBackend struct {
	mu       sync.Mutex // guards videos' entries that tests change
	videos   map[string]*Video
	profiles map[string]*Profile
}

func (f *fakeBackend) Viewer(r *http.Request) *Viewer {
	c, err := r.Cookie("fake_session")
	if err != nil {
		return nil
	}
	return &Viewer{ID: "eu_" + c.Value, Handle: c.Value, Region: "eu"}
}

func (f *fakeBackend) Identity(r *http.Request) *Viewer { return f.Viewer(r) }

func (f *fakeBackend) Video(ctx context.Context, v *Viewer, id, surface string) (*Video, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vid, ok := f.videos[id]
	if !ok || (vid.Visibility != "public" && (v == nil || v.Handle != vid.CreatorHandle)) {
		return nil, kurz.ErrNotFound
	}
	if surface != "page" && (vid.Visibility != "public" || vid.Status != "ready") {
		// The policy answers embeds and oEmbed as for a stranger.
		return nil, kurz.ErrNotFound
	}
	c := *vid
	if v != nil && v.Handle == "dora" { // dora likes and follows everything
		c.Liked, c.FollowingCreator = true, true
	}
	return &c, nil
}

func (f *fakeBackend) Profile(ctx context.Context, v *Viewer, handle string) (*Profile, error) {
	p, ok := f.profiles[handle]
	if !ok {
		return nil, kurz.ErrNotFound
	}
	c := *p
	c.IsViewer = v != nil && v.Handle == handle
	return &c, nil
}

func (f *fakeBackend) ProfileVideos(ctx context.Context, v *Viewer, handle, cursor string) ([]Video, string, error) {
	var out []Video
	for _, vid := range f.videos {
		if vid.CreatorHandle == handle && vid.Visibility == "public" {
			out = append(out, *vid)
		}
	}
	return out, "next-page", nil
}

// Feed inlines nothing: the browser tests' stub API serves the feed.
func (f *fakeBackend) Feed(ctx context.Context, v *Viewer, kind string) ([]byte, string, error) {
	return nil, "", nil
}

func (f *fakeBackend) TagVideos(ctx context.Context, v *Viewer, tag, cursor string) ([]Video, string, error) {
	var out []Video
	for _, vid := range f.videos {
		for _, t := range vid.Hashtags {
			if t == tag && vid.Visibility == "public" {
				out = append(out, *vid)
			}
		}
	}
	return out, "", nil
}

func newFake() *fakeBackend {
	return &fakeBackend{
		videos: map[string]*Video{
			"eu_v1": {ID: "eu_v1", Status: "ready", Caption: "Sunset at the lake #sunset with @bob", Hashtags: []string{"sunset"},
				CreatorHandle: "alice", DurationMS: 3000, Width: 720, Height: 1280, HLSURL: "/media/eu_v1/master.m3u8",
				PosterURL: "/media/eu_v1/poster.jpg", Likes: 1234, Comments: 5, Views: 99, CreatedAt: time.Unix(1700000000, 0), Visibility: "public"},
			"eu_xss": {ID: "eu_xss", Status: "ready", Caption: xssAll, Hashtags: []string{"tag"},
				CreatorHandle: xssAttr, Width: 720, Height: 1280, HLSURL: "/media/eu_xss/master.m3u8",
				PosterURL: "/media/eu_xss/poster.jpg", Visibility: "public"},
			"eu_private": {ID: "eu_private", Status: "ready", Caption: "secret", CreatorHandle: "alice", Visibility: "private",
				HLSURL: "/media/p/master.m3u8"},
			"eu_processing": {ID: "eu_processing", Status: "processing", Caption: "soon", CreatorHandle: "alice", Visibility: "public"},
		},
		profiles: map[string]*Profile{
			"alice":   {ID: "eu_alice", Handle: "alice", DisplayName: "Alice A.", Bio: "Hi, I film lakes.", Followers: 10, Following: 2, Likes: 1234},
			"mallory": {ID: "eu_mallory", Handle: "mallory", DisplayName: xssAll, Bio: xssAll},
		},
	}
}

type bundle struct {
	srv *httptest.Server
	h   *Handler
	b   *fakeBackend
}

func setup(t *testing.T) *bundle {
	t.Helper()
	b := newFake()
	h := New(b, nil)
	srv := httptest.NewUnstartedServer(h)
	h.BaseURL = "http://" + srv.Listener.Addr().String()
	srv.Start()
	t.Cleanup(srv.Close)
	return &bundle{srv: srv, h: h, b: b}
}

type req struct {
	path, lang, cookieLang, session string
}

// get fetches a page without following redirects.
func (bn *bundle) get(t *testing.T, r req) (*http.Response, string) {
	t.Helper()
	hr, err := http.NewRequest("GET", bn.srv.URL+r.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.lang != "" {
		hr.Header.Set("Accept-Language", r.lang)
	}
	if r.cookieLang != "" {
		hr.AddCookie(&http.Cookie{Name: LangCookie, Value: r.cookieLang})
	}
	if r.session != "" {
		hr.AddCookie(&http.Cookie{Name: "fake_session", Value: r.session})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func checkSecurityHeaders(t *testing.T, path string, res *http.Response, framable bool) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "media-src 'self' blob:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows unsafe-*: %q", path, csp)
	}
	if framable != strings.Contains(csp, "frame-ancestors *") || framable == strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: framable=%v but CSP %q", path, framable, csp)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", path, got)
	}
	if got := res.Header.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Referrer-Policy = %q", path, got)
	}
}

func TestPagesRender(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, tc := range []struct {
		path, session string
		want          string
	}{
		{"/", "", `id="feed"`},
		{"/?kind=following", "alice", `data-kind="following"`},
		{"/upload", "alice", `id="upload-form"`},
		{"/signin", "", `id="signin-form"`},
		{"/signup", "", `<option value="DE">Germany</option>`},
		{"/@alice", "", "Alice A."},
		{"/@alice", "alice", `id="profile-form"`},
		{"/@alice", "bob", `class="primary follow-profile"`},
		{"/v/eu_v1", "", "og:video"},
		{"/v/eu_private", "alice", "Only you can see this video."},
		{"/v/eu_processing", "", "still being processed"},
		{"/embed/eu_v1", "", `data-hls="/media/eu_v1/master.m3u8"`},
		{"/tag/sunset", "", `href="/v/eu_v1"`},
		{"/tag/nothing", "", "No videos with this hashtag yet."},
	} {
		res, body := bn.get(t, req{path: tc.path, session: tc.session})
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", tc.path, res.StatusCode)
			continue
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.path, ct)
		}
		checkSecurityHeaders(t, tc.path, res, strings.HasPrefix(tc.path, "/embed/"))
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: body lacks %q", tc.path, tc.want)
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<style") {
			t.Errorf("%s: inline style (CSP forbids it)", tc.path)
		}
		if n := strings.Count(body, "<script"); n != 3 || !strings.Contains(body, `<script type="application/json" id="kurz-boot">`) {
			t.Errorf("%s: want exactly the boot JSON block, the messages and the bundle, found %d <script", tc.path, n)
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, path := range []string{"/v/eu_missing", "/v/eu_private", "/v/bad%20id", "/@nobody", "/@a", "/nothing", "/tag/bad-tag!",
		"/embed/eu_private", "/embed/eu_processing", "/embed/missing", "/static/nope.js", "/lang/fr"} {
		res, _ := bn.get(t, req{path: path})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
		checkSecurityHeaders(t, path, res, strings.HasPrefix(path, "/embed/"))
	}
	// Handles are case-folded to one canonical address.
	res, _ := bn.get(t, req{path: "/@Alice"})
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/@alice" {
		t.Errorf("/@Alice: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSignedOutRedirects(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	res, _ := bn.get(t, req{path: "/upload"})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin?next=%2Fupload" {
		t.Errorf("/upload signed out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = bn.get(t, req{path: "/signin?next=/upload", session: "alice"})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/upload" {
		t.Errorf("/signin signed in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = bn.get(t, req{path: "/signin?next=//evil.example/", session: "alice"})
	if res.Header.Get("Location") != "/" {
		t.Errorf("open redirect through next: %q", res.Header.Get("Location"))
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, tc := range []struct {
		accept, cookie string
		want, not      string
		lang           string
	}{
		{"", "", "Popular", "Beliebt", "en"},
		{"en-US,en;q=0.9", "", "Popular", "Beliebt", "en"},
		{"de-DE,de;q=0.9,en;q=0.8", "", "Beliebt", "Popular", "de"},
		{"fr-FR,de;q=0.5,en;q=0.4", "", "Beliebt", "Popular", "de"},
		{"en;q=0.3,de;q=0.7", "", "Beliebt", "Popular", "de"},
		{"de-DE", "en", "Popular", "Beliebt", "en"},
		{"en-US", "de", "Beliebt", "Popular", "de"},
		{"en-US", "xx", "Popular", "Beliebt", "en"},
	} {
		res, body := bn.get(t, req{path: "/", lang: tc.accept, cookieLang: tc.cookie})
		if res.StatusCode != 200 || !strings.Contains(body, tc.want) || strings.Contains(body, tc.not) {
			t.Errorf("Accept-Language %q, cookie %q: want %q without %q", tc.accept, tc.cookie, tc.want, tc.not)
		}
		if !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
			t.Errorf("Accept-Language %q, cookie %q: want <html lang=%q>", tc.accept, tc.cookie, tc.lang)
		}
	}
	// Every page is translated, not just the feed.
	for path, want := range map[string]string{"/signin": "Handle oder E-Mail", "/signup": "Deutschland", "/@alice": "Follower",
		"/upload": "Video hochladen", "/v/eu_v1": "Aufrufe", "/v/missing": "Nicht gefunden", "/tag/sunset": "Anmelden"} {
		session := ""
		if path == "/upload" {
			session = "alice"
		}
		_, body := bn.get(t, req{path: path, cookieLang: "de", session: session})
		if !strings.Contains(body, want) {
			t.Errorf("%s in German lacks %q", path, want)
		}
	}
	// The switch remembers the choice and goes back, but only to this site.
	res, _ := bn.get(t, req{path: "/lang/de?next=/tag/sunset"})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tag/sunset" {
		t.Errorf("/lang/de: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	var got *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == LangCookie {
			got = c
		}
	}
	if got == nil || got.Value != "de" || got.MaxAge < 30*24*3600 || got.Path != "/" {
		t.Errorf("/lang/de cookie: %+v", got)
	}
	for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", ""} {
		res, _ := bn.get(t, req{path: "/lang/en?next=" + next})
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("/lang/en?next=%s redirects to %q", next, loc)
		}
	}
	// The switch's links carry the current page.
	_, body := bn.get(t, req{path: "/tag/sunset"})
	if !strings.Contains(body, `href="/lang/de?next=%2ftag%2fsunset"`) {
		t.Errorf("language switch link missing or wrong")
	}
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	for key := range messages["en"] {
		for _, l := range languages {
			if _, ok := messages[l][key]; !ok {
				t.Errorf("%s lacks %q", l, key)
			}
		}
	}
	for _, l := range languages {
		if len(messages[l]) != len(messages["en"]) {
			t.Errorf("%s has %d messages, en %d", l, len(messages[l]), len(messages["en"]))
		}
		for key, m := range messages[l] {
			if strings.Count(m, "%s") != strings.Count(messages["en"][key], "%s") {
				t.Errorf("%s %q: placeholders differ from English", l, key)
			}
		}
	}
	if _, err := translate("en", "no.such.key"); err == nil {
		t.Error("unknown key gave no error")
	}
}

// TestEscaping puts script, event-handler and URL payloads into captions,
// handles, display names and bios, and checks they come out as text.
func TestEscaping(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, tc := range []struct{ path, session string }{
		{"/v/eu_xss", ""}, {"/embed/eu_xss", ""}, {"/@mallory", ""}, {"/@mallory", "mallory"}, {"/tag/tag", ""},
	} {
		res, body := bn.get(t, req{path: tc.path, session: tc.session})
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.path, res.StatusCode)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(1)>", `href="javascript:`, `src="javascript:`, `content="javascript:`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: raw %q in the page", tc.path, bad)
			}
		}
		if strings.Contains(strings.ToLower(body), "href=\"javascript") {
			t.Errorf("%s: javascript: link", tc.path)
		}
	}
	// The payload is still shown, as text.
	_, body := bn.get(t, req{path: "/v/eu_xss"})
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("/v/eu_xss: escaped caption text missing")
	}
	// Hashtags and mentions in it are still links.
	if !strings.Contains(body, `<a href="/tag/tag">#tag</a>`) || !strings.Contains(body, `<a href="/@alice">@alice</a>`) {
		t.Error("/v/eu_xss: hashtag or mention link missing")
	}
	// The boot JSON cannot close its <script> element.
	i := strings.Index(body, `id="kurz-boot">`)
	j := strings.Index(body[i:], "</script>")
	block := body[i+len(`id="kurz-boot">`) : i+j]
	var b boot
	if err := json.Unmarshal([]byte(block), &b); err != nil {
		t.Fatalf("boot block is not JSON: %v\n%s", err, block)
	}
	if b.Video == nil || b.Video.Caption != xssAll {
		t.Errorf("boot video caption = %+v", b.Video)
	}
}

func TestOpenGraph(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	_, body := bn.get(t, req{path: "/v/eu_v1"})
	base := bn.srv.URL
	for _, want := range []string{
		`<meta property="og:type" content="video.other">`,
		`<meta property="og:title" content="Video by @alice">`,
		`<meta property="og:description" content="Sunset at the lake #sunset with @bob">`,
		`<meta property="og:image" content="` + base + `/media/eu_v1/poster.jpg">`,
		`<meta property="og:video" content="` + base + `/embed/eu_v1">`,
		`<meta property="og:url" content="` + base + `/v/eu_v1">`,
		`<meta name="twitter:card" content="player">`,
		`<link rel="alternate" type="application/json+oembed" href="` + base + `/oembed?format=json&amp;url=` + strings.ReplaceAll(strings.ReplaceAll(base, ":", "%3A"), "/", "%2F") + `%2Fv%2Feu_v1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/v/eu_v1 lacks %s", want)
		}
	}
	// Link previews and search engines never sign in: a signed-in
	// viewer's page carries the video, not their tags.
	if _, mine := bn.get(t, req{path: "/v/eu_v1", session: "carol"}); strings.Contains(mine, "og:") || strings.Contains(mine, "oembed") ||
		!strings.Contains(mine, `data-hls="/media/eu_v1/master.m3u8"`) {
		t.Error("/v/eu_v1 signed in: has link-preview tags, or lacks the video")
	}
	// Private or unfinished videos are not offered for unfurling.
	_, body = bn.get(t, req{path: "/v/eu_private", session: "alice"})
	if strings.Contains(body, "og:video") || !strings.Contains(body, `<meta name="robots" content="noindex">`) {
		t.Error("/v/eu_private: has OpenGraph video or lacks noindex")
	}
	// The configured public origin makes the links; the Host header a
	// client sends never does, not even without a configured origin.
	for _, base := range []string{"https://kurz.example/", ""} {
		h := New(bn.b, nil)
		h.BaseURL = base
		for _, path := range []string{"/v/eu_v1", "/embed/eu_v1", "/oembed?url=https://kurz.example/v/eu_v1"} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			req.Host = "evil.example"
			h.ServeHTTP(rec, req)
			if body := rec.Body.String(); strings.Contains(body, "evil.example") || rec.Code != 200 {
				t.Errorf("BaseURL %q, %s: %d, Host header in the page: %.300s", base, path, rec.Code, body)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/v/eu_v1", nil))
		want := `content="https://kurz.example/embed/eu_v1"`
		if base == "" {
			want = `content="/embed/eu_v1"`
		}
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("BaseURL %q: no %s", base, want)
		}
	}
}

func TestOEmbed(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	page := bn.srv.URL + "/v/eu_v1"
	res, body := bn.get(t, req{path: "/oembed?format=json&url=" + page})
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("oembed: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"version": "1.0", "type": "video", "provider_name": "kurz", "author_name": "@alice",
		"author_url": bn.srv.URL + "/@alice", "width": 360.0, "height": 640.0, "thumbnail_url": bn.srv.URL + "/media/eu_v1/poster.jpg"} {
		if o[k] != want {
			t.Errorf("oembed %s = %v, want %v", k, o[k], want)
		}
	}
	html, _ := o["html"].(string)
	if !strings.HasPrefix(html, `<iframe src="`+bn.srv.URL+`/embed/eu_v1" width="360" height="640"`) {
		t.Errorf("oembed html = %s", html)
	}
	// maxwidth/maxheight are honoured, keeping the aspect ratio.
	_, body = bn.get(t, req{path: "/oembed?url=" + page + "&maxheight=320"})
	json.Unmarshal([]byte(body), &o)
	if o["width"] != 180.0 || o["height"] != 320.0 {
		t.Errorf("maxheight=320: %vx%v", o["width"], o["height"])
	}
	// An XSS caption is escaped inside the html snippet.
	_, body = bn.get(t, req{path: "/oembed?url=" + bn.srv.URL + "/v/eu_xss"})
	json.Unmarshal([]byte(body), &o)
	if s, _ := o["html"].(string); strings.Contains(s, "<script") || strings.Contains(s, "<img") {
		t.Errorf("oembed html not escaped: %s", s)
	}
	for _, u := range []string{"/v/eu_missing", "/v/eu_private", "/v/eu_processing", "/@alice", "", "/v/../etc"} {
		res, _ := bn.get(t, req{path: "/oembed?url=" + bn.srv.URL + u})
		if res.StatusCode != 404 {
			t.Errorf("oembed %q: status %d, want 404", u, res.StatusCode)
		}
	}
	if res, _ := bn.get(t, req{path: "/oembed?format=xml&url=" + page}); res.StatusCode != http.StatusNotImplemented {
		t.Errorf("format=xml: %d", res.StatusCode)
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	if _, ok := bn.h.hashes["dist/app.js"]; !ok {
		if os.Getenv("CI") != "" {
			t.Fatal("web/static/dist/app.js missing: run `cd web && npm ci && npm run build` before go test")
		}
		t.Skip("front-end bundle not built (cd web && npm ci && npm run build)")
	}
	for name, ctype := range map[string]string{"dist/app.js": "text/javascript; charset=utf-8", "dist/app.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"} {
		url := bn.h.asset(name)
		res, body := bn.get(t, req{path: url})
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != ctype || len(body) == 0 {
			t.Errorf("%s: %d %q (%d bytes)", url, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
		if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: Cache-Control %q", url, res.Header.Get("Cache-Control"))
		}
	}
	// Precompressed copies: brotli when asked for, else gzip, else the
	// plain file; the same bytes as the plain file once decoded.
	for _, name := range []string{"dist/app.js", "i18n/de.js"} {
		checkCompressed(t, bn, name)
	}
	// Without the current version the answer may only be cached briefly.
	res, _ := bn.get(t, req{path: "/static/dist/app.js?v=old"})
	if res.StatusCode != 200 || strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stale version: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	_, page := bn.get(t, req{path: "/"})
	if !strings.Contains(page, `src="`+bn.h.asset("dist/app.js")+`"`) {
		t.Error("page does not load the versioned bundle")
	}
}

// checkCompressed: a static file's precompressed copies, brotli when
// asked for, else gzip, else the plain file; the same bytes as the plain
// file once decoded.
func checkCompressed(t *testing.T, bn *bundle, name string) {
	t.Helper()
	_, plain := bn.get(t, req{path: bn.h.asset(name)})
	for _, tc := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip;q=0.5", "gzip"}, {"identity", ""}, {"", ""},
	} {
		rq, _ := http.NewRequest("GET", bn.h.asset(name), nil)
		rq.Header.Set("Accept-Encoding", tc.accept)
		rec := httptest.NewRecorder()
		bn.h.ServeHTTP(rec, rq)
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != tc.want || res.Header.Get("Vary") != "Accept-Encoding" ||
			res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("%s, Accept-Encoding %q: %d, Content-Encoding %q, Vary %q, type %q", name, tc.accept, res.StatusCode,
				res.Header.Get("Content-Encoding"), res.Header.Get("Vary"), res.Header.Get("Content-Type"))
			continue
		}
		var dec []byte
		switch tc.want {
		case "br":
			dec, _ = io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			dec, _ = io.ReadAll(zr)
		default:
			dec = body
		}
		if string(dec) != plain {
			t.Errorf("%s, Accept-Encoding %q: %d bytes decode to %d, want the %d of the plain file", name, tc.accept, len(body), len(dec), len(plain))
		}
		if tc.want == "br" && len(body)*3 > len(plain) {
			t.Errorf("%s: brotli copy %d bytes of %d: not compressed", name, len(body), len(plain))
		}
	}
}

func FuzzAcceptLanguage(f *testing.F) {
	f.Add("de-DE,de;q=0.9,en;q=0.8")
	f.Add("*;q=0.1, DE ; q = 1")
	f.Fuzz(func(t *testing.T, h string) {
		got := parseAcceptLanguage(h)
		if !supported(got) {
			t.Fatalf("%q -> unsupported %q", h, got)
		}
	})
}

func FuzzLocalPath(f *testing.F) {
	f.Add("/tag/x?y=1")
	f.Add("//evil")
	f.Fuzz(func(t *testing.T, p string) {
		got := localPath(p)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || !utf8.ValidString(got) && got != p {
			t.Fatalf("%q -> %q", p, got)
		}
	})
}

// TestModPages checks the moderator pages and the transparency table: they
// render for a signed-in viewer with the usual security headers, are kept
// out of search engines, hand the region and item to the script, and send
// signed-out visitors to sign in and back.
func TestModPages(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, tc := range []struct {
		path, session string
		want          []string
	}{
		{"/mod", "alice", []string{`id="region-select"`, `<option value="eu" selected>eu</option>`, `<option value="sg">sg</option>`, `class="modtable queue"`, `"region":"eu"`}},
		{"/mod?region=us", "alice", []string{`<option value="us" selected>us</option>`, `"region":"us"`, `href="/mod/audit?region=us"`}},
		{"/mod?region=ap2", "alice", []string{`<option value="ap2" selected>ap2</option>`}},
		{"/mod/item/us/us_item1", "alice", []string{`id="decide-form"`, `value="age_restrict"`, `value="reverse"`, `"region":"us"`, `"item":"us_item1"`, `href="/mod?region=us"`}},
		{"/mod/audit?region=sg", "alice", []string{`id="personal-form"`, `class="modtable audit"`, `"region":"sg"`}},
		{"/transparency", "", []string{`class="modtable statements"`, `href="/api/v1/transparency/statements"`}},
		{"/transparency?from=2026-01-01&to=2026-02-01", "alice", []string{`value="2026-01-01"`, `value="2026-02-01"`, `statements?from=2026-01-01&amp;to=2026-02-01`}},
	} {
		res, body := bn.get(t, req{path: tc.path, session: tc.session})
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", tc.path, res.StatusCode)
			continue
		}
		checkSecurityHeaders(t, tc.path, res, false)
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.path, res.Header.Get("Cache-Control"))
		}
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: body lacks %q", tc.path, want)
			}
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<style") {
			t.Errorf("%s: inline style (CSP forbids it)", tc.path)
		}
		if n := strings.Count(body, "<script"); n != 3 {
			t.Errorf("%s: %d <script elements, want the boot block, the messages and the bundle", tc.path, n)
		}
		staff := strings.HasPrefix(tc.path, "/mod")
		if noindex := strings.Contains(body, `<meta name="robots" content="noindex">`); noindex != staff {
			t.Errorf("%s: noindex = %v", tc.path, noindex)
		}
	}
	// Signed out: sign in first, then come back to the same page.
	for path, next := range map[string]string{
		"/mod":                  "%2Fmod",
		"/mod?region=us":        "%2Fmod%3Fregion%3Dus",
		"/mod/item/us/us_item1": "%2Fmod%2Fitem%2Fus%2Fus_item1",
		"/mod/audit?region=eu":  "%2Fmod%2Faudit%3Fregion%3Deu",
	} {
		res, _ := bn.get(t, req{path: path})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin?next="+next {
			t.Errorf("%s signed out: %d %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// Malformed regions or item IDs are not pages.
	for _, path := range []string{"/mod/item/US/us_item1", "/mod/item/u/us_item1", "/mod/item/us/bad%20id", "/mod/item/us", "/mod/item/us/x/y"} {
		res, _ := bn.get(t, req{path: path, session: "alice"})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
	// Configured regions replace the default list.
	h := New(bn.b, nil)
	h.Regions = []string{"eu", "br"}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/mod?region=br", nil)
	r.AddCookie(&http.Cookie{Name: "fake_session", Value: "alice"})
	h.ServeHTTP(rec, r)
	if b := rec.Body.String(); !strings.Contains(b, `<option value="br" selected>br</option>`) || strings.Contains(b, `<option value="sg">`) {
		t.Error("Handler.Regions not used for the region select")
	}
}

// TestModPagesGerman checks that the staff pages are translated.
func TestModPagesGerman(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for path, wants := range map[string][]string{
		"/mod":                  {"Moderationswarteschlange", "Meldungen", "Priorität", "Anzeigen", `"mod_claim":"Übernehmen"`, `"cat.PROTECTION_OF_MINORS":"Schutz von Minderjährigen"`},
		"/mod/item/us/us_item1": {"Entscheiden", "Rechtswidriger Inhalt", "Entscheidung aufheben", "Begründung für die betroffene Person", "Räumlicher Geltungsbereich"},
		"/mod/audit":            {"Zugriffsprotokoll", "Personenbezogene Daten ansehen", "Betroffene Person", `"mod_verified":"Hash-Kette geprüft: %s Einträge"`},
		"/transparency":         {"Transparenz: Begründungen von Moderationsentscheidungen", "Als JSON herunterladen", "Automatisiert"},
	} {
		res, body := bn.get(t, req{path: path, cookieLang: "de", session: "alice"})
		if res.StatusCode != 200 || !strings.Contains(body, `<html lang="de">`) {
			t.Errorf("%s in German: status %d", path, res.StatusCode)
		}
		body += scriptMessages(t, bn, body) // the scripts' words come in the page's messages file
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s in German lacks %q", path, want)
			}
		}
		if strings.Contains(body, "Moderation queue") || strings.Contains(body, "Statement of reasons") {
			t.Errorf("%s in German has English text", path)
		}
	}
}

// TestModEscaping feeds hostile text into everything a staff page reflects
// from the request: the region query, the viewer's handle and the
// transparency date filter. Malformed values are dropped, not echoed.
func TestModEscaping(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	q := url.QueryEscape
	for _, tc := range []struct{ path, session string }{
		{"/mod?region=" + q(xssAll), "alice"},
		{"/mod/audit?region=" + q(xssAttr) + "&subject=" + q(xssAll), "alice"},
		{"/mod/item/eu/eu_item?region=" + q(xssAll), "alice"},
		{"/transparency?from=" + q(xssAttr) + "&to=" + q(xssScript), ""},
	} {
		res, body := bn.get(t, req{path: tc.path, session: tc.session})
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.path, res.StatusCode)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(1)>", `href="javascript:`, "alert(1)"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %q in the page", tc.path, bad)
			}
		}
		if strings.HasPrefix(tc.path, "/mod") && !strings.Contains(body, `"region":"eu"`) {
			t.Errorf("%s: a malformed region did not fall back to the viewer's", tc.path)
		}
	}
	// A hostile item ID never reaches a page.
	res, _ := bn.get(t, req{path: "/mod/item/eu/" + url.PathEscape(xssAttr), session: "alice"})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("hostile item ID: status %d", res.StatusCode)
	}
}

// TestPlurals: counts take the word their language's plural rules give
// them (CLDR, through golang.org/x/text), for 0, 1 and 2, on the pages.
func TestPlurals(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, tc := range []struct {
		lang                        string
		followers, following, likes int64
		views                       int64
		want                        []string
	}{
		{"en", 0, 0, 0, 0, []string{"<strong class=\"followers-count\">0</strong> Followers", "<strong>0</strong> Following", "<strong>0</strong> Likes", "0 views"}},
		{"en", 1, 1, 1, 1, []string{"<strong class=\"followers-count\">1</strong> Follower<", "<strong>1</strong> Following", "<strong>1</strong> Like<", "1 view<"}},
		{"en", 2, 2, 2, 2, []string{"<strong class=\"followers-count\">2</strong> Followers", "<strong>2</strong> Likes", "2 views"}},
		{"de", 0, 0, 0, 0, []string{"<strong class=\"followers-count\">0</strong> Follower<", "<strong>0</strong> Gefolgt", "<strong>0</strong> Likes", "0 Aufrufe"}},
		{"de", 1, 1, 1, 1, []string{"<strong class=\"followers-count\">1</strong> Follower<", "<strong>1</strong> Gefolgt", "<strong>1</strong> Like<", "1 Aufruf<"}},
		{"de", 2, 2, 2, 2, []string{"<strong class=\"followers-count\">2</strong> Follower<", "<strong>2</strong> Likes", "2 Aufrufe"}},
		{"de", 1500, 0, 2500, 1500, []string{"1.5K</strong> Follower<", "2.5K</strong> Likes", "1.5K Aufrufe"}},
	} {
		p := bn.b.profiles["alice"]
		p.Followers, p.Following, p.Likes = tc.followers, tc.following, tc.likes
		bn.b.videos["eu_v1"].Views = tc.views
		_, profile := bn.get(t, req{path: "/@alice", cookieLang: tc.lang})
		_, video := bn.get(t, req{path: "/v/eu_v1", cookieLang: tc.lang})
		for _, want := range tc.want {
			if !strings.Contains(profile, want) && !strings.Contains(video, want) {
				t.Errorf("%s with %d: no %q", tc.lang, tc.followers, want)
			}
		}
	}
}

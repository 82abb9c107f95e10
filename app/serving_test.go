package app_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"kurz/app"
	"kurz/cell"
)

// TestTextAtTheEdge: text that is not valid UTF-8 or holds a NUL is
// refused with 400 in the error shape wherever a request carries it (JSON
// bodies, paths, queries, tus metadata), on SQLite and PostgreSQL alike,
// and nothing is stored.
func TestTextAtTheEdge(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("texter", "texter@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token}
	bad := func(what string, r *response, field string) {
		t.Helper()
		if r.Status != 400 {
			t.Errorf("%s: %d %.300s, want 400", what, r.Status, r.Body)
			return
		}
		if r.errorCode(t) != "invalid" || !strings.Contains(string(r.Body), "UTF-8") {
			t.Errorf("%s: %s", what, r.Body)
		}
		if field != "" && !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: the error does not name field %q: %s", what, field, r.Body)
		}
	}

	// JSON bodies: a \u0000 escape decodes to NUL; raw bytes that are not
	// UTF-8 are refused before decoding.
	bad("report with NUL", s.do("POST", "/api/v1/reports",
		`{"target_type":"account","target_id":"`+a.ID+`","category":"STATEMENT_CATEGORY_SCAMS_AND_FRAUD","explanation":"a\u0000b"}`), "explanation")
	bad("report with a byte that is not UTF-8", s.do("POST", "/api/v1/reports",
		"{\"target_type\":\"account\",\"target_id\":\""+a.ID+"\",\"category\":\"STATEMENT_CATEGORY_SCAMS_AND_FRAUD\",\"explanation\":\"bad \xff\"}"), "")
	bad("bio with NUL", s.do("PATCH", "/api/v1/me/profile", `{"bio":"x\u0000y"}`, auth...), "bio")
	bad("display name cut mid-character", s.do("PATCH", "/api/v1/me/profile", "{\"display_name\":\"cut \xe6\x97\"}", auth...), "")
	bad("sign-up with NUL in the email", s.do("POST", "/api/v1/accounts",
		`{"handle":"nully","email":"nu\u0000ll@example.org","password":"a good long passphrase","birth_date":"1990-01-01","country":"DE"}`), "email")
	bad("login with NUL", s.do("POST", "/api/v1/sessions", `{"login":"texter\u0000","password":"x"}`), "login")

	// Paths and queries, on the API and on pages.
	bad("handle path with NUL", s.do("GET", "/api/v1/users/tex%00ter", nil), "")
	bad("handle path not UTF-8", s.do("GET", "/api/v1/users/%ff", nil), "")
	bad("profile page not UTF-8", s.do("GET", "/@%ff%fe", nil), "")
	bad("tag page with NUL", s.do("GET", "/tag/a%00b", nil), "")
	bad("cursor with NUL", s.do("GET", "/api/v1/feed?kind=foryou&cursor=%00", nil), "cursor")
	bad("query not UTF-8", s.do("GET", "/api/v1/transparency/statements?from=%c3%28", nil), "from")

	// tus metadata: the caption and any other value.
	for _, meta := range []string{"caption a\x00b", "caption \xff\xfe", "filename x\x00.mp4", "visibility \xc0\xaf"} {
		k, v, _ := strings.Cut(meta, " ")
		r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Tus-Resumable", "1.0.0", "Upload-Length", "100",
			"Upload-Metadata", k+" "+base64.StdEncoding.EncodeToString([]byte(v)))...)
		bad(fmt.Sprintf("tus metadata %q", meta), r, k)
	}

	for _, table := range []string{"notices", "videos"} {
		if n := s.count("eu", table); n != 0 {
			t.Errorf("refused text left %d rows in %s", n, table)
		}
	}
	var me struct{ Bio string }
	s.do("GET", "/api/v1/users/texter", nil).json(t, &me)
	if me.Bio != "" {
		t.Errorf("a refused bio was stored: %q", me.Bio)
	}
	// Good text in every script still passes.
	if r := s.do("PATCH", "/api/v1/me/profile", map[string]string{"bio": "日本語 ÄÖÜ 👩‍👩‍👧 \u200b"}, auth...); r.Status != 200 {
		t.Errorf("good text: %d %s", r.Status, r.Body)
	}
	// The upload's Location never carries the Host header a client sent.
	r := s.doHost("evil.example", "POST", "/api/v1/uploads/", append(auth, "Tus-Resumable", "1.0.0", "Upload-Length", "100",
		"Upload-Metadata", "caption "+base64.StdEncoding.EncodeToString([]byte("Grüße #日本")))...)
	if r.Status != 201 {
		t.Errorf("a good caption: %d %s", r.Status, r.Body)
	}
	if loc := r.Header.Get("Location"); loc != "/api/v1/uploads/"+r.Header.Get("Kurz-Video-Id") {
		t.Errorf("upload Location %q", loc)
	}
}

// doHost is do with the request's Host header set to host.
func (s *server) doHost(host, method, path string, headers ...string) *response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// TestMediaServingEchoesNothing: a playlist carries a media token only
// when it is valid for that video (anything else in ?t= is refused, also
// on public videos); a request for many byte ranges gets the whole object;
// media is cached briefly and revalidated, so a removal takes effect;
// absolute links name the configured public URL, whatever Host a client
// sends.
func TestMediaServingEchoesNothing(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.PublicURL = "https://kurz.example" })
	a := s.signUp("server", "server@example.org", "1990-01-01", "DE")
	s.login(&a)
	pub := s.publish(a, "public clip")
	base := "/media/" + pub + "/"

	// The private video's token, valid but for another video.
	priv := s.publish(a, "soon private")
	if r := s.do("PATCH", "/api/v1/videos/"+priv, map[string]string{"visibility": "private"}, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("make private: %d %s", r.Status, r.Body)
	}
	var pv videoJSON
	s.do("GET", "/api/v1/videos/"+priv, nil, "Authorization", "Bearer "+a.Token).json(t, &pv)
	privTok := pv.HLSURL[strings.Index(pv.HLSURL, "?t=")+3:]

	plain := s.do("GET", base+"master.m3u8", nil)
	if plain.Status != 200 || strings.Contains(string(plain.Body), "?t=") {
		t.Fatalf("public master: %d\n%s", plain.Status, plain.Body)
	}
	for _, tok := range []string{"junk", "https://evil.example/x.m3u8", "AAAA", privTok, ""} {
		for _, file := range []string{"master.m3u8", "v0/index.m3u8", "v0/seg_00000.ts", "poster.jpg"} {
			r := s.do("GET", base+file+"?t="+tok, nil)
			if r.Status != 404 {
				t.Errorf("%s?t=%q on a public video: %d\n%.200s", file, tok, r.Status, r.Body)
			}
		}
	}
	// A valid token is passed on, scoped to its own video.
	if r := s.do("GET", "/media/"+priv+"/master.m3u8?t="+privTok, nil); r.Status != 200 || !strings.Contains(string(r.Body), "?t="+privTok) {
		t.Fatalf("private master with its token: %d\n%s", r.Status, r.Body)
	}

	// Byte ranges: a few are served, many get the whole object.
	seg := s.do("GET", base+"v0/seg_00000.ts", nil)
	size := len(seg.Body)
	if seg.Status != 200 || size < 1000 {
		t.Fatalf("segment: %d, %d bytes", seg.Status, size)
	}
	two := s.do("GET", base+"v0/seg_00000.ts", nil, "Range", "bytes=0-0,10-19")
	if two.Status != http.StatusPartialContent || !strings.HasPrefix(two.Header.Get("Content-Type"), "multipart/byteranges") {
		t.Fatalf("two ranges: %d %q", two.Status, two.Header.Get("Content-Type"))
	}
	var many []string
	for i := range 10000 {
		many = append(many, fmt.Sprintf("%d-%d", i%size, i%size))
	}
	r := s.do("GET", base+"v0/seg_00000.ts", nil, "Range", "bytes="+strings.Join(many, ","))
	if r.Status != 200 || len(r.Body) != size {
		t.Fatalf("10000 ranges: %d, %d bytes (object %d)", r.Status, len(r.Body), size)
	}
	five := s.do("GET", base+"v0/seg_00000.ts", nil, "Range", "bytes=0-0,2-2,4-4,6-6,8-8")
	if five.Status != 200 || len(five.Body) != size {
		t.Fatalf("five ranges: %d, %d bytes", five.Status, len(five.Body))
	}
	if r := s.do("GET", base+"v0/seg_00000.ts", nil, "Range", "bytes="+strconv.Itoa(size+10)+"-"); r.Status != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("a range past the end: %d", r.Status)
	}

	// Cache headers: public, short, revalidated once stale; segments and
	// the preview never change under their name (immutable), playlists
	// and the poster can.
	for _, file := range []string{"master.m3u8", "v0/index.m3u8", "v0/seg_00000.ts", "poster.jpg", "preview.mp4"} {
		r := s.do("GET", base+file, nil)
		cc := r.Header.Get("Cache-Control")
		immutable := strings.HasSuffix(file, ".ts") || strings.HasSuffix(file, ".mp4")
		if r.Status != 200 || !strings.Contains(cc, "public") || strings.Contains(cc, "immutable") != immutable || !strings.Contains(cc, "must-revalidate") ||
			maxAge(cc) > 60 || r.Header.Get("Last-Modified") == "" {
			t.Errorf("%s: %d Cache-Control %q Last-Modified %q", file, r.Status, cc, r.Header.Get("Last-Modified"))
		}
	}
	// Media not everyone may see is kept by no cache.
	for _, file := range []string{"master.m3u8", "v0/index.m3u8", "v0/seg_00000.ts", "poster.jpg"} {
		r := s.do("GET", "/media/"+priv+"/"+file+"?t="+privTok, nil)
		if cc := r.Header.Get("Cache-Control"); r.Status != 200 || cc != "private, no-store" {
			t.Errorf("private %s: %d Cache-Control %q", file, r.Status, cc)
		}
	}
	// Absolute links: the public URL, never the Host header.
	page := s.doHost("evil.example", "GET", "/v/"+pub)
	oembed := s.doHost("evil.example", "GET", "/oembed?format=json&url="+url.QueryEscape("https://kurz.example/v/"+pub))
	for what, r := range map[string]*response{"page": page, "oEmbed": oembed} {
		if r.Status != 200 || strings.Contains(string(r.Body), "evil.example") {
			t.Fatalf("%s with a made-up Host: %d %.300s", what, r.Status, r.Body)
		}
	}
	if !strings.Contains(string(page.Body), `<meta property="og:url" content="https://kurz.example/v/`+pub+`">`) ||
		!strings.Contains(string(oembed.Body), `src=\"https://kurz.example/embed/`+pub) {
		t.Fatalf("links do not name the public URL:\n%s\n%s", page.Body, oembed.Body)
	}
	if cc := oembed.Header.Get("Cache-Control"); maxAge(cc) > 60 {
		t.Fatalf("oEmbed Cache-Control %q", cc)
	}

	poster := s.do("GET", base+"poster.jpg", nil)
	lm := poster.Header.Get("Last-Modified")
	if r := s.do("GET", base+"poster.jpg", nil, "If-Modified-Since", lm); r.Status != http.StatusNotModified {
		t.Fatalf("revalidating a visible poster: %d", r.Status)
	}
	if r := s.do("DELETE", "/api/v1/videos/"+pub, nil, "Authorization", "Bearer "+a.Token); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	for _, file := range []string{"poster.jpg", "v0/seg_00000.ts"} {
		if r := s.do("GET", base+file, nil, "If-Modified-Since", lm); r.Status != 404 {
			t.Fatalf("revalidating %s after its video is gone: %d", file, r.Status)
		}
	}
}

// maxAge returns the max-age of a Cache-Control value, or a huge number.
func maxAge(cc string) int {
	for _, part := range strings.Split(cc, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "max-age="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return 1 << 30
}

// TestCachedMediaGoesWithItsVideo: playlists and posters of public
// videos are served from memory (with an ETag that revalidates), and a
// cached copy is never served once the video is no longer public: made
// private (its files sealed at rest), taken down, or deleted, the cached
// files are 404 as soon as the request that made the change has
// answered; made public again, the files come back.
func TestCachedMediaGoesWithItsVideo(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("cacher", "cacher@example.org", "1990-01-01", "DE")
	s.login(&a)
	mod := s.signUp("cachemod", "cachemod@example.org", "1985-01-01", "DE")
	s.login(&mod)
	if err := s.grantStaff("eu", mod, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + a.Token}
	small := []string{"master.m3u8", "v0/index.m3u8", "poster.jpg"}
	served := func(id string) map[string]*response {
		t.Helper()
		out := map[string]*response{}
		for _, file := range small {
			for range 3 { // the first read fills the cache, the others come from it
				out[file] = s.do("GET", "/media/"+id+"/"+file, nil)
			}
		}
		return out
	}
	// held: whether this process holds a file of the video's media open
	// (the fast core keeps public segments open between requests).
	held := func(id string) bool {
		fds, _ := os.ReadDir("/proc/self/fd")
		for _, fd := range fds {
			if p, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.Contains(p, "/"+id+"/v0/seg_00000.ts") {
				return true
			}
		}
		return false
	}
	// gone: the request that made the change answers only once this
	// node's catalogue has it (Outbox.Committed), so from then on no
	// file is served, cached or not: the cache adds no moment of its own.
	gone := func(what, id string) {
		t.Helper()
		for _, file := range append(small, "v0/seg_00000.ts") {
			if r := s.do("GET", "/media/"+id+"/"+file, nil); r.Status != 404 {
				t.Errorf("%s: %s still served: %d", what, file, r.Status)
			}
		}
		if held(id) {
			t.Errorf("%s: the segment's file is still held open", what)
		}
	}
	segment := func(id string) {
		t.Helper()
		before := s.FastAnswered()
		for range 2 { // by the fast core, as a player asks
			fc := s.dial(t)
			fc.send(get("GET", "/media/"+id+"/v0/seg_00000.ts"))
			if r := fc.read("GET"); r.Status != 200 || len(r.Body) == 0 {
				t.Fatalf("segment: %d", r.Status)
			}
		}
		if s.FastAnswered() != before+2 {
			t.Fatal("the segment was not answered by the fast core")
		}
		if !held(id) {
			t.Fatal("the segment was not kept open between requests")
		}
	}

	pub := s.publish(a, "cached clip")
	first := served(pub)
	segment(pub)
	for file, r := range first {
		if r.Status != 200 || len(r.Body) == 0 || r.Header.Get("Etag") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: %d, %d bytes, ETag %q", file, r.Status, len(r.Body), r.Header.Get("Etag"))
		}
		if again := s.do("GET", "/media/"+pub+"/"+file, nil, "If-None-Match", r.Header.Get("Etag")); again.Status != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d", file, again.Status)
		}
		if part := s.do("GET", "/media/"+pub+"/"+file, nil, "Range", "bytes=0-9"); part.Status != http.StatusPartialContent || string(part.Body) != string(r.Body[:10]) {
			t.Errorf("%s, a range from the cache: %d %q", file, part.Status, part.Body)
		}
	}

	// Private: gone at once, without a token.
	if r := s.do("PATCH", "/api/v1/videos/"+pub, map[string]string{"visibility": "private"}, auth...); r.Status != 200 {
		t.Fatalf("make private: %d %s", r.Status, r.Body)
	}
	gone("made private", pub)
	// Public again: served again, the same bytes.
	if r := s.do("PATCH", "/api/v1/videos/"+pub, map[string]string{"visibility": "public"}, auth...); r.Status != 200 {
		t.Fatalf("make public: %d %s", r.Status, r.Body)
	}
	for file, r := range served(pub) {
		if r.Status != 200 || string(r.Body) != string(first[file].Body) {
			t.Errorf("%s public again: %d", file, r.Status)
		}
	}
	// Taken down by a moderator.
	segment(pub)
	s.decideOn(mod, "eu", pub, map[string]any{"action": "remove", "ground": "terms", "explanation": "Not allowed here."})
	gone("taken down", pub)

	// Deleted by its owner.
	other := s.publish(a, "cached and deleted")
	served(other)
	segment(other)
	if r := s.do("DELETE", "/api/v1/videos/"+other, nil, auth...); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	gone("deleted", other)
}

// Package media serves a video's media files (HLS playlists, segments,
// poster, preview) from a blob store: their content types, headers that
// keep them from rendering as pages, cache headers that let a removal take
// effect, the media token passed on in playlists, byte ranges, and
// redirects to presigned URLs where the store and the operator allow.
// Whether a request may see the file is decided before, by the caller. It
// imports only the root package and blob.
package media

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"kurz/blob"
)

// ValidName reports whether file is one a video's media folder may
// serve: master.m3u8, poster.jpg, preview.mp4, or v<0-99>/index.m3u8 and
// v<0-99>/seg_<5 digits>.ts (what the regular expression
// ^(master\.m3u8|poster\.jpg|preview\.mp4|v[0-9]{1,2}/(index\.m3u8|seg_[0-9]{5}\.ts))$
// accepts, checked by hand: it runs on every media request).
func ValidName(file string) bool {
	switch file {
	case "master.m3u8", "poster.jpg", "preview.mp4":
		return true
	}
	if len(file) < 3 || file[0] != 'v' || !digit(file[1]) {
		return false
	}
	rest := file[2:]
	if digit(rest[0]) {
		rest = rest[1:]
	}
	if rest == "/index.m3u8" {
		return true
	}
	if len(rest) != len("/seg_00000.ts") || rest[:5] != "/seg_" || rest[10:] != ".ts" {
		return false
	}
	for i := 5; i < 10; i++ {
		if !digit(rest[i]) {
			return false
		}
	}
	return true
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

var types = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".ts":   "video/mp2t",
	".jpg":  "image/jpeg",
	".mp4":  "video/mp4",
}

// Options say how files are served.
type Options struct {
	// Redirect answers public segments, posters and previews of stores
	// that can presign with a redirect to a short-lived URL.
	Redirect bool
	Log      *slog.Logger
	// Plain, if set, returns the plaintext of an opened file (the file
	// itself unless it is sealed at rest); an error answers 404.
	Plain func(ctx context.Context, key string, f blob.Object, size int64) (io.ReadSeeker, error)
	// Private marks media not everyone may see, served without a token
	// (an age- or country-restricted video asked with the viewer's
	// session): no shared cache may keep it.
	Private bool
}

// Header values every media answer carries, shared (never appended to).
var (
	hNosniff = []string{"nosniff"}
	hCSP     = []string{"default-src 'none'; sandbox"}
	hCORP    = []string{"same-site"}

	ccPrivate  = []string{"private, no-store"}
	ccPlaylist = []string{"public, max-age=10, must-revalidate"}
	ccSegment  = []string{"public, max-age=60, must-revalidate, immutable"}
	ccOther    = []string{"public, max-age=60, must-revalidate"}
)

// cacheControl is the Cache-Control of a media file by its extension,
// for everyone (public) or not. Every media file can be removed by a
// decision (takedown, deletion, erasure), so none is cached for long:
// caches revalidate (a 304 for what is still visible, a 404 for what is
// gone) once the max-age ends. Segments and previews never change under
// their name (immutable: no revalidation while fresh); playlists can (a
// rendition joins the master playlist), so they are fresh for seconds.
// Media not everyone may see is kept by no cache (private, no-store):
// its playlists carry the viewer's token, and its access can end at any
// moment.
func cacheControl(ext string, public bool) []string {
	switch {
	case !public:
		return ccPrivate
	case ext == ".m3u8":
		return ccPlaylist
	case ext == ".ts" || ext == ".mp4":
		return ccSegment
	default:
		return ccOther
	}
}

func bytesReader(b []byte) io.ReadSeeker { return bytes.NewReader(b) }

// RedirectTTL is how long a presigned media URL works.
const RedirectTTL = 5 * time.Minute

// Serve serves the file at key in store with its type and cache headers,
// and byte ranges; tok is the media token of a non-public video (already
// checked by the caller), or "". A missing file is 404.
func Serve(w http.ResponseWriter, r *http.Request, store blob.Store, key, tok string, o Options) {
	if redirect(w, r, store, key, tok, o) {
		return
	}
	f, err := store.Open(r.Context(), key)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	var content io.ReadSeeker = f
	if o.Plain != nil {
		if content, err = o.Plain(r.Context(), key, f, fi.Size()); err != nil {
			if o.Log != nil {
				o.Log.Warn("opening sealed media", "key", key, "err", err)
			}
			http.NotFound(w, r)
			return
		}
	}
	ext := path.Ext(key)
	h := w.Header()
	h.Set("Content-Type", types[ext])
	h["X-Content-Type-Options"] = hNosniff
	h["Content-Security-Policy"] = hCSP
	h["Cross-Origin-Resource-Policy"] = hCORP
	h["Cache-Control"] = cacheControl(ext, tok == "" && !o.Private)
	if ext == ".m3u8" && tok != "" {
		data, err := io.ReadAll(content)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", fi.ModTime(), bytes.NewReader(WithToken(data, tok)))
		return
	}
	if content == io.ReadSeeker(f) && whole(r) {
		// The whole file, as http.ServeContent answers a request with no
		// range or condition, without its two seeks to find the size
		// Stat already gave.
		h["Last-Modified"] = []string{fi.ModTime().UTC().Format(http.TimeFormat)}
		h["Accept-Ranges"] = acceptRanges
		h["Content-Length"] = []string{strconv.FormatInt(fi.Size(), 10)}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			io.Copy(w, &io.LimitedReader{R: f, N: fi.Size()})
		}
		return
	}
	http.ServeContent(w, r, "", fi.ModTime(), content)
}

var acceptRanges = []string{"bytes"}

// whole says r asks for a whole file unconditionally (GET or HEAD, no
// Range, no If-* header): what http.ServeContent answers with 200, the
// body, Last-Modified, Accept-Ranges and Content-Length.
func whole(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, k := range []string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		if _, ok := r.Header[k]; ok {
			return false
		}
	}
	return true
}

// WithToken appends the media token to every URI line of a playlist.
func WithToken(playlist []byte, tok string) []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(playlist))
	for sc.Scan() {
		line := sc.Text()
		if line != "" && !strings.HasPrefix(line, "#") {
			line += "?t=" + tok
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// presigner is a blob store that can hand out short-lived read URLs.
type presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// redirect answers a public segment, poster or preview request with a
// redirect to a presigned URL of the object store, when the operator asks
// for it. Playlists stay served here (their relative URIs must come back
// to this origin), and non-public media never leaves without kurz's token
// check: it is streamed.
func redirect(w http.ResponseWriter, r *http.Request, store blob.Store, key, tok string, o Options) bool {
	p, ok := store.(presigner)
	if !o.Redirect || !ok || tok != "" || o.Private || strings.HasSuffix(key, ".m3u8") {
		return false
	}
	u, err := p.PresignGet(r.Context(), key, RedirectTTL)
	if err != nil {
		if o.Log != nil {
			o.Log.Warn("presigning media", "err", err)
		}
		return false
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	http.Redirect(w, r, u, http.StatusFound)
	return true
}

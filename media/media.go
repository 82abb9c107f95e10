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
	"regexp"
	"strings"
	"time"

	"kurz/blob"
)

// Name is the set of files a video's media folder may serve.
var Name = regexp.MustCompile(`^(master\.m3u8|poster\.jpg|preview\.mp4|v[0-9]{1,2}/(index\.m3u8|seg_[0-9]{5}\.ts))$`)

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
}

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
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-site")
	// Every media file can be removed by a decision (takedown, deletion,
	// erasure), so none is cached for long: caches revalidate (a 304 for
	// what is still visible, a 404 for what is gone) once the max-age ends.
	switch {
	case tok != "":
		h.Set("Cache-Control", "private, max-age=60, must-revalidate")
	case ext == ".m3u8":
		h.Set("Cache-Control", "public, max-age=10, must-revalidate")
	default:
		h.Set("Cache-Control", "public, max-age=60, must-revalidate")
	}
	if ext == ".m3u8" && tok != "" {
		data, err := io.ReadAll(content)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", fi.ModTime(), bytes.NewReader(WithToken(data, tok)))
		return
	}
	http.ServeContent(w, r, "", fi.ModTime(), content)
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
	if !o.Redirect || !ok || tok != "" || strings.HasSuffix(key, ".m3u8") {
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

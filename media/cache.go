package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"

	"kurz/blob"
)

// Cache keeps the small files of public videos (playlists, posters) in
// memory, so that serving one is a map look-up and a write: no open,
// stat, read or header formatting per request. Rules it keeps:
//
//   - It holds only what everyone may see: the caller puts a file in and
//     takes it out only for a request it found public at that moment (the
//     catalogue's answer, asked on every request), so a takedown, a
//     deletion, an erasure or a change to private makes the bytes
//     unreachable the moment the catalogue drops the video, cached or not.
//   - It holds only files stored in plaintext: a file sealed at rest is
//     never copied into it.
//   - What the caller no longer finds public is dropped: Forget at the
//     first request that finds the video gone, and a sweep every
//     SweepEvery asks Keep about every cached video (so no copy of a video
//     that went private outlives the sweep, even if nobody asks for it).
//   - A file that changes in the store (a rendition joining the master
//     playlist) is seen within Recheck: its size and time are compared
//     with the store's then, by one request while the others go on.
type Cache struct {
	// Keep reports whether a video's files may stay cached (it is still
	// public); nil keeps everything until Forget.
	Keep func(videoID string) bool
	// MaxBytes bounds the bodies held (default 32 MiB); MaxFile is the
	// largest file cached (default 256 KiB).
	MaxBytes, MaxFile int64

	mu       sync.Mutex
	m        map[string]*cached
	videos   map[string]int // files cached per video
	bytes    int64
	sweeping bool
}

// Recheck is how often a cached file is compared with the store, and
// SweepEvery how often cached videos are checked against Keep.
const (
	Recheck    = time.Second
	SweepEvery = 5 * time.Second
)

type cached struct {
	video string
	body  []byte
	size  int64
	mod   time.Time
	// checked is when the entry was last compared with the store; used
	// whether it was served since the last sweep.
	checked time.Time
	used    bool
	// Header values, built once: content type, length, last modified,
	// ETag.
	ctype, length, lastMod, etag []string
	// wire is the header lines in the wire format (see Whole).
	wire []byte
}

// Cacheable says whether a media file name is one the cache takes
// (playlists and the poster; segments and previews go out by sendfile).
func Cacheable(file string) bool {
	switch path.Ext(file) {
	case ".m3u8", ".jpg":
		return true
	}
	return false
}

// ServePublic serves the file at key of videoID, a public video's file
// everyone may see, from the cache (reading it into the cache first).
// It reports false when the file could not be cached (sealed at rest,
// too large, a store error): the caller then serves it with Serve.
func (c *Cache) ServePublic(w http.ResponseWriter, r *http.Request, store blob.Store, videoID, key string, o Options) bool {
	e := c.get(r.Context(), store, key)
	if e == nil {
		var ok bool
		if e, ok = c.load(r.Context(), store, videoID, key, o); !ok {
			return false
		}
	}
	h := w.Header()
	h["Content-Type"] = e.ctype
	h["X-Content-Type-Options"] = hNosniff
	h["Content-Security-Policy"] = hCSP
	h["Cross-Origin-Resource-Policy"] = hCORP
	h["Cache-Control"] = cacheControl(path.Ext(key), true)
	h["Last-Modified"] = e.lastMod
	h["Etag"] = e.etag
	if conditional(r) {
		// Ranges and validators: the standard library's rules, on the
		// cached bytes (it reads the ETag set above).
		http.ServeContent(w, r, "", e.mod, bytesReader(e.body))
		return true
	}
	h["Content-Length"] = e.length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(e.body)
	}
	return true
}

// Forget drops every cached file of a video.
func (c *Cache) Forget(videoID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.videos[videoID] == 0 {
		return
	}
	for k, e := range c.m {
		if e.video == videoID {
			c.drop(k, e)
		}
	}
}

// Len is the number of files cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *Cache) drop(k string, e *cached) {
	delete(c.m, k)
	c.bytes -= int64(len(e.body))
	if c.videos[e.video]--; c.videos[e.video] <= 0 {
		delete(c.videos, e.video)
	}
}

// get returns the cached entry for key, comparing it with the store
// first when Recheck has passed (nil: not cached, or changed).
func (c *Cache) get(ctx context.Context, store blob.Store, key string) *cached {
	c.mu.Lock()
	e := c.m[key]
	if e == nil {
		c.mu.Unlock()
		return nil
	}
	e.used = true
	now := time.Now()
	if now.Sub(e.checked) < Recheck {
		c.mu.Unlock()
		return e
	}
	e.checked = now // the others serve this entry meanwhile
	c.mu.Unlock()
	info, err := store.Stat(ctx, key)
	if err == nil && info.Size == e.size && info.ModTime.Equal(e.mod) {
		return e
	}
	c.mu.Lock()
	if c.m[key] == e {
		c.drop(key, e)
	}
	c.mu.Unlock()
	return nil
}

// load reads a file into the cache, unless it is sealed at rest or too
// large.
func (c *Cache) load(ctx context.Context, store blob.Store, videoID, key string, o Options) (*cached, bool) {
	maxFile := c.MaxFile
	if maxFile <= 0 {
		maxFile = 256 << 10
	}
	f, err := store.Open(ctx, key)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() > maxFile {
		return nil, false
	}
	if o.Plain != nil {
		content, err := o.Plain(ctx, key, f, fi.Size())
		if err != nil || content != io.ReadSeeker(f) {
			return nil, false // sealed at rest: never held in plaintext
		}
	}
	body := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, body); err != nil {
		return nil, false
	}
	sum := sha256.Sum256(body)
	mod := fi.ModTime()
	e := &cached{video: videoID, body: body, size: fi.Size(), mod: mod, checked: time.Now(), used: true,
		ctype: []string{types[path.Ext(key)]}, length: []string{strconv.Itoa(len(body))},
		lastMod: []string{mod.UTC().Format(http.TimeFormat)}, etag: []string{`"` + hex.EncodeToString(sum[:12]) + `"`}}
	e.wire = headerLines(nil, e.ctype[0], cacheControl(path.Ext(key), true)[0], e.lastMod[0])
	e.wire = append(append(append(e.wire, "Etag: "...), e.etag[0]...), "\r\n"...)
	c.put(key, e)
	return e, true
}

func (c *Cache) put(key string, e *cached) {
	maxBytes := c.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 32 << 20
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m, c.videos = map[string]*cached{}, map[string]int{}
	}
	if old := c.m[key]; old != nil {
		c.drop(key, old)
	}
	for k, old := range c.m { // map order: a random victim
		if c.bytes+int64(len(e.body)) <= maxBytes {
			break
		}
		c.drop(k, old)
	}
	c.m[key] = e
	c.videos[e.video]++
	c.bytes += int64(len(e.body))
	if !c.sweeping {
		c.sweeping = true
		time.AfterFunc(SweepEvery, c.sweep)
	}
}

// sweep drops the files of videos Keep no longer keeps, and those not
// served since the last sweep; it runs while anything is cached.
func (c *Cache) sweep() {
	videos := stillKept(&c.mu, c.videos, c.Keep)
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if keep, seen := videos[e.video]; (seen && !keep) || !e.used {
			c.drop(k, e)
			continue
		}
		e.used = false
	}
	if len(c.m) == 0 {
		c.sweeping = false
		return
	}
	time.AfterFunc(SweepEvery, c.sweep)
}

// stillKept asks keep (nil keeps everything) about every video in
// videos, a count of kept files per video read under mu; keep runs
// without mu held. The sweeps of Cache and Files share it.
func stillKept(mu *sync.Mutex, videos map[string]int, keep func(string) bool) map[string]bool {
	mu.Lock()
	verdict := make(map[string]bool, len(videos))
	for v := range videos {
		verdict[v] = true
	}
	mu.Unlock()
	for v := range verdict {
		verdict[v] = keep == nil || keep(v)
	}
	return verdict
}

// conditional says whether a request asks for a range or carries a
// validator.
func conditional(r *http.Request) bool {
	h := r.Header
	return len(h["Range"]) > 0 || len(h["If-None-Match"]) > 0 || len(h["If-Modified-Since"]) > 0 ||
		len(h["If-Match"]) > 0 || len(h["If-Unmodified-Since"]) > 0 || len(h["If-Range"]) > 0
}

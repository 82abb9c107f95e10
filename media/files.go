package media

import (
	"context"
	"io"
	"net/http"
	"os"
	"path"
	"sync"
	"syscall"
	"time"

	"kurz/blob"
)

// Files keeps the segment and preview files of public videos open
// between requests, so that answering one is a stat and a sendfile: no
// open, fstat, sealed-at-rest check and close per request. It keeps the
// rules of Cache:
//
//   - It holds only what everyone may see: the caller asks the catalogue
//     on every request before Whole, so a takedown, deletion, erasure or
//     change to private makes a kept file unreachable at once.
//   - It holds only plaintext files of the local folder store: a file
//     sealed at rest is checked once, when opened, and never kept.
//   - What the caller no longer finds public is closed: Forget at the
//     first request that finds the video gone, and a sweep every
//     SweepEvery asks Keep about every kept video and closes what was not
//     served since the last sweep (so no erased or deleted file's inode
//     stays held open by kurz).
//   - A file replaced in the store is never served: the store writes by
//     renaming a new file into place (sealing at rest and a rewritten
//     rendition included), so every request stats the path and compares
//     device, inode, size and time with the kept file's; any difference
//     (or a missing file) closes it and opens the store's file anew.
//
// A kept file is shared by the requests sending it: they send from
// explicit offsets (never the file's position) and it is closed only
// when it has left the set and the last of them is done.
type Files struct {
	// Keep reports whether a video's files may stay open (it is still
	// public); nil keeps everything until Forget.
	Keep func(videoID string) bool
	// Max bounds the files kept open (default 256).
	Max int

	mu       sync.Mutex
	m        map[string]*openFile
	videos   map[string]int
	sweeping bool
}

type openFile struct {
	c        *Files
	video    string
	path     string
	f        *os.File
	dev, ino uint64
	size     int64
	mtime    syscall.Timespec
	wire     []byte
	refs     int  // requests sending it, under c.mu
	gone     bool // left the set: closed when refs reaches 0
	used     bool
}

// Close ends a request's use of a kept file (the Whole's Shared).
func (e *openFile) Close() error {
	e.c.mu.Lock()
	e.refs--
	last := e.gone && e.refs == 0
	e.c.mu.Unlock()
	if last {
		return e.f.Close()
	}
	return nil
}

// Whole returns a public video's file at key of store for sending whole
// from the kept open file (opening and keeping it first), like
// OpenWhole: false for anything but a plaintext file of the local folder
// store. The caller sends it from explicit offsets and closes Shared
// (not File) when done.
func (c *Files) Whole(ctx context.Context, store blob.Store, videoID, key string, o Options) (Whole, bool) {
	d, ok := store.(*blob.Dir)
	if !ok {
		return Whole{}, false
	}
	var err error
	c.mu.Lock()
	e := c.m[key]
	c.mu.Unlock()
	p := ""
	if e != nil {
		p = e.path // made once: no path cleaning per request
	} else if p, err = d.Path(key); err != nil {
		return Whole{}, false
	}
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		c.drop(key)
		return Whole{}, false
	}
	c.mu.Lock()
	if e != nil && c.m[key] == e && e.same(&st) {
		e.refs++
		e.used = true
		c.mu.Unlock()
		return Whole{Header: e.wire, File: e.f, Size: e.size, Shared: e}, true
	}
	if e != nil && c.m[key] == e {
		c.remove(key, e) // replaced in the store
	}
	c.mu.Unlock()
	return c.open(ctx, d, p, videoID, key, o)
}

func (e *openFile) same(st *syscall.Stat_t) bool {
	return uint64(st.Dev) == e.dev && uint64(st.Ino) == e.ino && st.Size == e.size && st.Mtim == e.mtime
}

// open opens the file at key, checks it is plaintext and keeps it.
func (c *Files) open(ctx context.Context, d *blob.Dir, p, videoID, key string, o Options) (Whole, bool) {
	obj, err := d.Open(ctx, key)
	if err != nil {
		return Whole{}, false
	}
	f := obj.(*os.File)
	fi, err := f.Stat()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if err != nil || !ok {
		f.Close()
		return Whole{}, false
	}
	if o.Plain != nil {
		if content, err := o.Plain(ctx, key, f, fi.Size()); err != nil || content != io.ReadSeeker(f) {
			f.Close()
			return Whole{}, false // sealed at rest: never kept
		}
	}
	ext := path.Ext(key)
	h := make([]byte, 0, 320)
	h = headerLines(h, types[ext], cacheControl(ext, true)[0], fi.ModTime().UTC().Format(http.TimeFormat))
	h = append(h, "Accept-Ranges: bytes\r\n"...)
	e := &openFile{c: c, video: videoID, path: p, f: f, dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim,
		wire: h, refs: 1, used: true}
	c.put(key, e)
	return Whole{Header: e.wire, File: f, Size: e.size, Shared: e}, true
}

func (c *Files) put(key string, e *openFile) {
	limit := c.Max
	if limit <= 0 {
		limit = 256
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m, c.videos = map[string]*openFile{}, map[string]int{}
	}
	if old := c.m[key]; old != nil {
		c.remove(key, old)
	}
	for k, old := range c.m { // map order: a random victim
		if len(c.m) < limit {
			break
		}
		c.remove(k, old)
	}
	c.m[key] = e
	c.videos[e.video]++
	if !c.sweeping {
		c.sweeping = true
		time.AfterFunc(SweepEvery, c.sweep)
	}
}

// remove takes e out of the set (under c.mu) and closes it unless a
// request still sends it (the last one closes it).
func (c *Files) remove(key string, e *openFile) {
	delete(c.m, key)
	if c.videos[e.video]--; c.videos[e.video] <= 0 {
		delete(c.videos, e.video)
	}
	e.gone = true
	if e.refs == 0 {
		e.f.Close()
	}
}

func (c *Files) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		c.remove(key, e)
	}
}

// Forget closes every kept file of a video.
func (c *Files) Forget(videoID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.videos[videoID] == 0 {
		return
	}
	for k, e := range c.m {
		if e.video == videoID {
			c.remove(k, e)
		}
	}
}

// Len is the number of files kept open.
func (c *Files) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// sweep closes the files of videos Keep no longer keeps and those not
// served since the last sweep; it runs while anything is kept.
func (c *Files) sweep() {
	videos := stillKept(&c.mu, c.videos, c.Keep)
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if keep, seen := videos[e.video]; (seen && !keep) || !e.used {
			c.remove(k, e)
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

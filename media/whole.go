package media

import (
	"context"
	"io"
	"net/http"
	"os"
	"path"

	"kurz/blob"
)

// Whole is a public media file ready to be sent whole (status 200), for
// a server that writes the answer itself (the fast core): Header holds
// the header lines Serve or Cache.ServePublic would send for it but
// Content-Length, Date, Connection and X-Request-Id; Body the file from
// memory, or File (Size bytes, the caller closes it) the open plaintext
// file for sendfile. Shared, if set, says File is kept open for other
// requests too (Files): it is sent from explicit offsets, never moving
// its position, and the caller closes Shared instead of File.
type Whole struct {
	Header []byte
	Body   []byte
	File   *os.File
	Size   int64
	Shared io.Closer
}

// OpenWhole opens a public file at key of store for sending whole, as
// Serve answers a request without range or validator. It reports false
// (the caller then serves with Serve) for anything but a plaintext file
// of the local folder store: a file sealed at rest, an object store's
// object, or one Serve would redirect to a presigned URL.
func OpenWhole(ctx context.Context, store blob.Store, key string, o Options) (Whole, bool) {
	if _, ok := store.(presigner); ok && o.Redirect {
		return Whole{}, false
	}
	obj, err := store.Open(ctx, key)
	if err != nil {
		return Whole{}, false
	}
	f, ok := obj.(*os.File)
	if !ok {
		obj.Close()
		return Whole{}, false
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return Whole{}, false
	}
	if o.Plain != nil {
		if content, err := o.Plain(ctx, key, f, fi.Size()); err != nil || content != io.ReadSeeker(f) {
			f.Close()
			return Whole{}, false // sealed at rest: Serve opens it
		}
	}
	ext := path.Ext(key)
	h := make([]byte, 0, 320)
	h = headerLines(h, types[ext], cacheControl(ext, true)[0], fi.ModTime().UTC().Format(http.TimeFormat))
	h = append(h, "Accept-Ranges: bytes\r\n"...)
	return Whole{Header: h, File: f, Size: fi.Size()}, true
}

// headerLines appends the header lines every public media answer
// carries, in the wire format.
func headerLines(h []byte, ctype, cc, lastMod string) []byte {
	h = append(h, "Content-Type: "...)
	h = append(h, ctype...)
	h = append(h, "\r\nX-Content-Type-Options: "...)
	h = append(h, hNosniff[0]...)
	h = append(h, "\r\nContent-Security-Policy: "...)
	h = append(h, hCSP[0]...)
	h = append(h, "\r\nCross-Origin-Resource-Policy: "...)
	h = append(h, hCORP[0]...)
	h = append(h, "\r\nCache-Control: "...)
	h = append(h, cc...)
	h = append(h, "\r\nLast-Modified: "...)
	h = append(h, lastMod...)
	return append(h, "\r\n"...)
}

// Whole returns a public video's small file from the cache (reading it
// in first), like ServePublic: false when it cannot be cached.
func (c *Cache) Whole(ctx context.Context, store blob.Store, videoID, key string, o Options) (Whole, bool) {
	e := c.get(ctx, store, key)
	if e == nil {
		var ok bool
		if e, ok = c.load(ctx, store, videoID, key, o); !ok {
			return Whole{}, false
		}
	}
	return Whole{Header: e.wire, Body: e.body, Size: int64(len(e.body))}, true
}

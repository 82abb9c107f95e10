package videoapi

import (
	"context"

	"kurz"
	"kurz/cell"
	"kurz/media"
	"kurz/region"
)

// openToAll is the one rule of media's short way: asked without a token,
// of a video hosted here whose media everyone may see (the catalogue,
// asked on every request). serveMedia (net/http) and WholeMedia (the fast
// core) both ask it, so a takedown, deletion or change to private ends
// both paths at the same moment.
func openToAll(c *region.Region, id string, hasTok bool) bool {
	return !hasTok && c.Videos.PublicMedia(id)
}

// WholeMedia is serveMedia's short way for a server that writes the
// answer itself (the fast core in app): a public video's file asked
// whole, without token. It reports false for everything else (a name or
// ID that is not one, another region's video, a video not open to
// everyone, a file sealed at rest or in an object store): the request
// then goes to serveMedia, which answers it (404 included).
func (h *Handlers) WholeMedia(id, file string) (media.Whole, bool) {
	if !media.ValidName(file) {
		return media.Whole{}, false
	}
	r, err := kurz.ParseID(id)
	if err != nil {
		return media.Whole{}, false
	}
	c, ok := h.Cells[r]
	if !ok || !openToAll(c, id, false) {
		return media.Whole{}, false
	}
	ctx := context.Background()
	key := cell.MediaKey(id) + "/" + file
	opts := h.Media
	opts.Plain = c.Pipeline.OpenMedia
	if h.Small != nil && media.Cacheable(file) {
		if w, ok := h.Small.Whole(ctx, c.Blobs, id, key, opts); ok {
			return w, true
		}
	}
	if h.Files != nil && !media.Cacheable(file) {
		return h.Files.Whole(ctx, c.Blobs, id, key, opts)
	}
	return media.OpenWhole(ctx, c.Blobs, key, opts)
}

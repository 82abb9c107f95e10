package web

import (
	"encoding/json"
	"sync"
)

// A video page shown to someone signed out is the same bytes for everyone
// who asks for the same video record, language and address: render keeps
// the last few such pages and writes them again instead of executing the
// templates per request (most of a page's cost). Whether the video may be
// shown is still asked of the backend on every request; the cache only
// remembers what the templates made of a record, keyed by everything the
// page is made of (a changed caption or count is another key). Public
// data only: pages of signed-in viewers are never kept.
type pageCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// maxCachedPages bounds the cache (about 25 KB a page); past it, it
// starts over.
const maxCachedPages = 512

// cacheKey is the key of d's page, or "" for a page that is not kept (a
// signed-in viewer's, or any but a video page).
func cacheKey(d *pageData) string {
	if d.Viewer != nil || d.Name != "video" || d.Video == nil {
		return ""
	}
	b, err := json.Marshal(struct {
		Name, Lang, Path, Title, Robots string
		Meta                            *meta
		Video                           *Video
	}{d.Name, d.Lang, d.Path, d.Title, d.Robots, d.Meta, d.Video})
	if err != nil {
		return ""
	}
	return string(b)
}

func (c *pageCache) get(key string) ([]byte, bool) {
	if key == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *pageCache) put(key string, page []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedPages {
		c.m = map[string][]byte{}
	}
	c.m[key] = page
}

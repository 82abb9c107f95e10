package web

import (
	"crypto/rand"
	"html/template"
	"strconv"
	"strings"
	"sync"
)

// A video page is the same bytes for everyone who asks for the same video
// record, language and address, but for the viewer's own bits: render
// keeps the last few pages and writes them again instead of executing the
// templates per request (most of a page's cost). Whether the video may be
// shown is still asked of the backend on every request; the cache only
// remembers what the templates made of a record, keyed by everything the
// page is made of (a changed caption or count is another key).
//
// A signed-out visitor's page is kept whole. A signed-in viewer's page of
// a public video is kept as a template, made once with stand-ins for the
// viewer (their handle, its initial and the boot block, which holds their
// handle, like and follow): each request fills in its own viewer. The
// stand-ins are random per process and the handle is put in only when it
// is made of the characters a handle may have ([a-z0-9_.], the same in
// HTML, attribute, URL and JSON, nothing to escape), so no caption can
// forge a slot and no viewer's data is kept in the cache.
type pageCache struct {
	mu sync.Mutex
	m  map[string]*cachedPage
}

// cachedPage is a kept page: parts with a slot between each two (slots[i]
// follows parts[i]); a signed-out page is one part.
type cachedPage struct {
	parts [][]byte
	slots []byte // slotHandle, slotInitial or slotBoot
}

const (
	slotHandle byte = iota
	slotInitial
	slotBoot
)

// The stand-ins a signed-in page is rendered with (see pageCache): random
// lowercase letters, so they are a valid handle and pass every escaper
// unchanged.
var standIn = func() [3]string {
	var out [3]string
	for i := range out {
		out[i] = "kz" + strings.ToLower(rand.Text())
	}
	return out
}()

// maxCachedPages bounds the cache (about 25 KB a page); past it, it
// starts over.
const maxCachedPages = 512

// cacheKey is the key of d's page, or "" for a page that is not kept (any
// but a video page, a signed-in viewer's page of a video that is not
// public, or one whose handle is not plain).
func cacheKey(d *pageData) string {
	if d.Name != "video" || d.Video == nil {
		return ""
	}
	v := *d.Video
	kind := "anon"
	if d.Viewer != nil {
		if v.Visibility != "public" || !plainHandle(d.Viewer.Handle) {
			return ""
		}
		// The viewer's marks are only in the boot block, filled per request.
		kind, v.Liked, v.FollowingCreator = "viewer", false, false
	}
	return string(keyOf(kind, d, &v))
}

// keyOf lists everything a video page is made of, each string with its
// length before it (so no two pages share a key), without reflection: it
// is made on every request.
func keyOf(kind string, d *pageData, v *Video) []byte {
	b := make([]byte, 0, 512)
	str := func(s string) []byte {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		return append(b, s...)
	}
	num := func(n int64) []byte {
		b = strconv.AppendInt(b, n, 10)
		return append(b, ';')
	}
	for _, s := range []string{kind, d.Name, d.Lang, d.Path, d.Title, d.Robots} {
		b = str(s)
	}
	if m := d.Meta; m != nil {
		b = append(b, 'm')
		for _, s := range []string{m.URL, m.Title, m.Description, m.Image, m.Embed, m.OEmbed} {
			b = str(s)
		}
		b = num(int64(m.Width))
		b = num(int64(m.Height))
	}
	b = append(b, 'v')
	for _, s := range []string{v.ID, v.Status, v.Error, v.Caption, v.CreatorHandle, v.CreatorAvatarURL, v.HLSURL, v.PosterURL, v.Visibility} {
		b = str(s)
	}
	b = num(int64(len(v.Hashtags)))
	for _, s := range v.Hashtags {
		b = str(s)
	}
	for _, n := range []int64{int64(v.DurationMS), int64(v.Width), int64(v.Height), v.Likes, v.Comments, v.Views, v.CreatedAt.UnixNano()} {
		b = num(n)
	}
	_, zone := v.CreatedAt.Zone()
	b = num(int64(zone))
	b = strconv.AppendBool(b, v.Liked)
	return strconv.AppendBool(b, v.FollowingCreator)
}

// plainHandle: h is 1-64 of [a-z0-9_.], written into every context of
// the page as is.
func plainHandle(h string) bool {
	if h == "" || len(h) > 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (c *pageCache) get(key string) (*cachedPage, bool) {
	if key == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	return p, ok
}

func (c *pageCache) put(key string, p *cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedPages {
		c.m = map[string]*cachedPage{}
	}
	c.m[key] = p
}

// standInData is d rendered for no one in particular: the viewer and the
// boot block replaced by the stand-ins.
func standInData(d *pageData) *pageData {
	s := *d
	s.Viewer = &Viewer{Handle: standIn[slotHandle]}
	s.BootJS = template.JS(standIn[slotBoot])
	return &s
}

// split cuts a page rendered from standInData at its stand-ins; ok false
// if one is missing where expected (then the page is not kept).
func split(page []byte) (*cachedPage, bool) {
	p := &cachedPage{}
	s := string(page)
	for {
		at, slot := -1, byte(0)
		for i, si := range standIn {
			if j := strings.Index(s, si); j >= 0 && (at < 0 || j < at) {
				at, slot = j, byte(i)
			}
		}
		if at < 0 {
			break
		}
		p.parts = append(p.parts, []byte(s[:at]))
		p.slots = append(p.slots, slot)
		s = s[at+len(standIn[slot]):]
	}
	p.parts = append(p.parts, []byte(s))
	var seen [3]bool
	for _, sl := range p.slots {
		seen[sl] = true
	}
	return p, seen[slotHandle] && seen[slotBoot]
}

// fill appends to dst the page for the viewer with handle and boot block
// b (rest: b.rest()).
func (p *cachedPage) fill(dst []byte, handle string, b *boot, rest []byte) []byte {
	init := initial(handle)
	for i, part := range p.parts {
		dst = append(dst, part...)
		if i < len(p.slots) {
			switch p.slots[i] {
			case slotHandle:
				dst = append(dst, handle...)
			case slotInitial:
				dst = append(dst, init...)
			case slotBoot:
				dst = b.appendJS(dst, rest)
			}
		}
	}
	return dst
}

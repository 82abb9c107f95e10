package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"kurz/web/pagecache"
	"kurz/web/textfmt"
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
// viewer (their handle and its initial, in the markup and the boot block,
// and the like and follow marks of the boot block's video): each request
// fills in its own viewer, with no template and no JSON encoding. The
// stand-ins are random per process and the handle is put in only when it
// is made of the characters a handle may have ([a-z0-9_.], the same in
// HTML, attribute, URL and JSON, nothing to escape), so no caption can
// forge a slot and no viewer's data is kept in the cache.

// The slots of a kept signed-in page, and the stand-ins it is rendered
// with (random per process).
const (
	slotHandle = iota
	slotInitial
	slotLiked
	slotFollowing
)

var standIn = pagecache.StandIns(4)

// maxCachedPages bounds the cache (about 6 KB a page); past it, it
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
		if v.Visibility != "public" || !pagecache.Plain(d.Viewer.Handle) {
			return ""
		}
		// The viewer's marks are only in the boot block, filled per request.
		kind, v.Liked, v.FollowingCreator = "viewer", false, false
	}
	k := make(pagecache.Key, 0, 512).Str(kind, d.Name, d.Lang, d.Path, d.Title, d.Robots)
	if m := d.Meta; m != nil {
		k = k.Str("meta", m.URL, m.Title, m.Description, m.Image, m.Embed, m.OEmbed).Num(int64(m.Width), int64(m.Height))
	}
	k = k.Str(v.ID, v.Status, v.Error, v.Caption, v.CreatorHandle, v.CreatorAvatarURL, v.HLSURL, v.PosterURL, v.Visibility)
	k = k.Num(int64(len(v.Hashtags))).Str(v.Hashtags...)
	_, zone := v.CreatedAt.Zone()
	k = k.Num(int64(v.DurationMS), int64(v.Width), int64(v.Height), v.Likes, v.Comments, v.Views, v.CreatedAt.UnixNano(), int64(zone))
	return string(k)
}

// standInData is d rendered for no one in particular: the viewer's handle
// and the boot block's like and follow marks replaced by the stand-ins.
// ok false if the boot block does not end as expected (then the page is
// not kept).
func standInData(d *pageData) (*pageData, bool) {
	s := *d
	s.Viewer = &Viewer{Handle: standIn[slotHandle]}
	if d.Boot.Video == nil {
		return nil, false
	}
	v := *d.Boot.Video
	v.Liked, v.Following = false, false
	s.Boot.Video = &v
	s.Boot.Viewer = &viewerJSON{Handle: standIn[slotHandle]}
	js, err := json.Marshal(&s.Boot)
	if err != nil {
		return nil, false
	}
	// The video is the block's last member and its marks its last fields;
	// a string's quotes are escaped, so this is the only place the bytes
	// can occur.
	const tail = `"liked":false,"following":false}}`
	if !bytes.HasSuffix(js, []byte(tail)) {
		return nil, false
	}
	js = append(js[:len(js)-len(tail)], `"liked":`+standIn[slotLiked]+`,"following":`+standIn[slotFollowing]+`}}`...)
	s.BootJS = template.JS(js)
	return &s, true
}

// fill appends to dst kept page p for the viewer with handle, with their
// like of the page's video and follow of its creator.
func fill(p *pagecache.Page, dst []byte, handle string, liked, following bool) []byte {
	return p.Fill(dst, func(dst []byte, slot int) []byte {
		switch slot {
		case slotHandle:
			return append(dst, handle...)
		case slotInitial:
			return append(dst, textfmt.Initial(handle)...)
		case slotLiked:
			return strconv.AppendBool(dst, liked)
		}
		return strconv.AppendBool(dst, following)
	})
}

// The kept pages are found again without building their cache key or
// the page's data: by the viewer's kind (signed in or not), language and
// address, checked against the record the backend gives now (every field
// the page is made of; a record that differs in anything but the viewer's
// marks is a miss, and the page is made again through render). The
// backend is still asked for the record, and so whether the viewer may
// see it, on every request.
type keptKey struct {
	signedIn   bool
	lang, path string
}

// keptOf is what a found-again page was made of: the record (the
// viewer's marks cleared) and the origin its links name.
type keptOf struct {
	v    Video
	base string
}

// keep indexes p, made for d (a video page), for finding it again.
func (h *Handler) keep(d *pageData, p *pagecache.Page) {
	if d.Name == "video" && d.Video != nil {
		of := &keptOf{v: *d.Video, base: h.BaseURL}
		h.kept.Put(keptKey{d.Viewer != nil, d.Lang, d.Path}, of, p)
	}
}

// sameRecord says a and b are the same record but for the viewer's
// marks (TestSameRecord changes each field of Video in turn, so a field
// added to it must be added here).
func sameRecord(a, b *Video) bool {
	return a.ID == b.ID && a.Status == b.Status && a.Error == b.Error && a.Caption == b.Caption &&
		slices.Equal(a.Hashtags, b.Hashtags) && a.CreatorHandle == b.CreatorHandle && a.CreatorAvatarURL == b.CreatorAvatarURL &&
		a.DurationMS == b.DurationMS && a.Width == b.Width && a.Height == b.Height && a.HLSURL == b.HLSURL && a.PosterURL == b.PosterURL &&
		a.Likes == b.Likes && a.Comments == b.Comments && a.Views == b.Views && a.CreatedAt == b.CreatedAt && a.Visibility == b.Visibility
}

// writeKept writes the kept page of video v for the request's viewer and
// language, if there is one; false: render it.
func (h *Handler) writeKept(w http.ResponseWriter, r *http.Request, viewer *Viewer, v *Video, lang string) bool {
	if viewer != nil && (v.Visibility != "public" || !pagecache.Plain(viewer.Handle)) {
		return false
	}
	p, ok := h.kept.Get(keptKey{viewer != nil, lang, r.URL.RequestURI()}, func(of *keptOf) bool {
		return of.base == h.BaseURL && sameRecord(&of.v, v)
	})
	if !ok {
		return false
	}
	secure(w, false)
	writeKeptPage(w, http.StatusOK, p, viewer, v.Liked, v.FollowingCreator)
	return true
}

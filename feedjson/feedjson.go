// Package feedjson is the API's JSON of public videos and feed pages:
// the records every region serves from its catalogue, encoded once per
// version of a video, with each viewer's marks added per request.
package feedjson

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"kurz"
	"kurz/catalog"
	"kurz/feed"
	"kurz/video"
)

// Videos turns catalogue videos, with the viewer's marks, into API
// videos.
func Videos(items []feed.Item) []*video.VideoJSON {
	out := make([]*video.VideoJSON, len(items))
	for i, it := range items {
		v := &video.VideoJSON{ID: it.ID, Status: status(it), Visibility: kurz.Public, Caption: it.Caption, Hashtags: it.Hashtags,
			DurationMS: it.DurationMS, Width: it.Width, Height: it.Height, Likes: it.Likes, Comments: it.Comments, Views: it.Views,
			CreatedAt: it.CreatedAt, Label: it.Label, Liked: it.Liked, Following: it.Following}
		v.Creator.ID, v.Creator.Handle, v.Creator.AvatarURL = it.OwnerID, it.Handle, kurz.AvatarURL(it.OwnerID, it.Avatar)
		v.RemixFields(it.ID, it.Sound, it.RemixKind, it.RemixOf, it.Allow)
		v.SoundName = it.SoundName
		v.HLSURL, v.PosterURL, v.PreviewURL = video.MediaURLs(it.ID, "")
		out[i] = v
	}
	return out
}

// ItemJSON is a video in a feed: the API record, whether the viewer
// has seen it before, and why it is there (DSA Art. 27).
type ItemJSON struct {
	*video.VideoJSON
	Seen bool      `json:"seen,omitempty"`
	Why  *feed.Why `json:"why,omitempty"`
}

// PageJSON is a page of a feed. Kind is the feed served (For You
// asked by someone who turned personalisation off is Popular); CaughtUp
// says nothing unseen is left; CatalogueEmpty that there is nothing at all.
type PageJSON struct {
	Kind           string     `json:"kind"`
	Items          []ItemJSON `json:"items"`
	NextCursor     string     `json:"next_cursor"`
	CaughtUp       bool       `json:"caught_up"`
	CatalogueEmpty bool       `json:"catalogue_empty"`
}

func page(f *feed.Page) *PageJSON {
	out := &PageJSON{Kind: f.Kind, Items: make([]ItemJSON, len(f.Items)), NextCursor: f.Next, CaughtUp: f.CaughtUp,
		CatalogueEmpty: f.CatalogueEmpty}
	for i, v := range Videos(f.Items) {
		why := f.Items[i].Why
		out.Items[i] = ItemJSON{VideoJSON: v, Seen: f.Items[i].Seen, Why: &why}
	}
	return out
}

// Cache holds each catalogue video's public API record, encoded once per
// version, keyed by the video's ID: the catalogue gives every version of
// a video its own number (PublicVideo.Version), so ID and version name
// the content. A feed page is then those bytes with the viewer's marks,
// appended into a pooled buffer, instead of encoding every record by
// reflection on every request. Reads take no lock (64 connections share
// it). Public data only.
type Cache struct {
	m atomic.Pointer[cacheMap]
}

type cacheMap struct {
	sync.Map              // video ID → *cached
	n        atomic.Int64 // entries stored
}

// cached is one video's record without its closing marks, and the
// version it was encoded from.
type cached struct {
	ver uint64
	b   []byte
}

// maxCachedVideoJSON bounds the cache; past it, it starts over (a
// catalogue's worth of records would otherwise stay in memory).
const maxCachedVideoJSON = 50_000

// marksSuffix ends every encoded record: the viewer's marks, written per
// request.
var marksSuffix = []byte(`,"liked":false,"following":false}`)

// public returns v's record without its closing marks, encoded once.
func (c *Cache) public(v *catalog.PublicVideo) []byte {
	ver := v.Version()
	m := c.m.Load()
	if m != nil && ver != 0 {
		if e, ok := m.Load(v.ID); ok && e.(*cached).ver == ver {
			return e.(*cached).b
		}
	}
	rec := Videos([]feed.Item{{PublicVideo: v}})[0]
	b, err := json.Marshal(rec)
	if err != nil || !bytes.HasSuffix(b, marksSuffix) {
		return nil
	}
	b = b[: len(b)-len(marksSuffix) : len(b)-len(marksSuffix)]
	if ver == 0 { // a video not from the catalogue has no version to key by
		return b
	}
	if m == nil || m.n.Load() >= maxCachedVideoJSON {
		fresh := &cacheMap{}
		if c.m.CompareAndSwap(m, fresh) {
			m = fresh
		} else {
			m = c.m.Load()
		}
	}
	if _, loaded := m.Swap(v.ID, &cached{ver: ver, b: b}); !loaded {
		m.n.Add(1)
	}
	return b
}

// pageBufs are the buffers feed pages are assembled in.
var pageBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// Page encodes a feed page exactly as json.Marshal(page(f)) would, from
// the cached records.
func (c *Cache) Page(f *feed.Page) []byte {
	return c.AppendPage(nil, f)
}

// Serve writes a feed page as the API's answer (200, JSON, not to be
// cached: it is the viewer's), assembled in a pooled buffer.
func (c *Cache) Serve(w http.ResponseWriter, f *feed.Page) {
	bp := pageBufs.Get().(*[]byte)
	b := append(c.AppendPage((*bp)[:0], f), '\n')
	WriteBytes(w, b)
	if cap(b) <= 256<<10 { // a huge page's buffer is not kept
		*bp = b[:0]
		pageBufs.Put(bp)
	}
}

// WriteBytes writes b, an encoded JSON answer for one viewer, with
// status 200: no cache may keep it.
func WriteBytes(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Cache-Control"] = noStore
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

var (
	jsonType = []string{"application/json; charset=utf-8"}
	noStore  = []string{"no-store"}
)

// AppendPage appends a feed page, encoded as json.Marshal(page(f)) would,
// to b.
func (c *Cache) AppendPage(b []byte, f *feed.Page) []byte {
	start := len(b)
	b = append(b, `{"kind":`...)
	b = appendString(b, f.Kind)
	b = append(b, `,"items":[`...)
	for i, it := range f.Items {
		pub := c.public(it.PublicVideo)
		if pub == nil { // cannot happen; keep the answer right anyway
			out, _ := json.Marshal(page(f))
			return append(b[:start], out...)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, pub...)
		b = append(b, `,"liked":`...)
		b = strconv.AppendBool(b, it.Liked)
		b = append(b, `,"following":`...)
		b = strconv.AppendBool(b, it.Following)
		if it.Seen {
			b = append(b, `,"seen":true`...)
		}
		b = append(b, `,"why":{"code":`...)
		b = appendString(b, it.Why.Code)
		if it.Why.Detail != "" {
			b = append(b, `,"detail":`...)
			b = appendString(b, it.Why.Detail)
		}
		b = append(b, `}}`...)
	}
	b = append(b, `],"next_cursor":`...)
	b = appendString(b, f.Next)
	b = append(b, `,"caught_up":`...)
	b = strconv.AppendBool(b, f.CaughtUp)
	b = append(b, `,"catalogue_empty":`...)
	b = strconv.AppendBool(b, f.CatalogueEmpty)
	return append(b, '}')
}

// appendString appends s as a JSON string, escaped as encoding/json does:
// plain ASCII is copied, anything else is left to encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			out, _ := json.Marshal(s)
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// status is a catalogue video's status: playable while only its first
// rendition is published, else ready.
func status(it feed.Item) string {
	if it.Partial {
		return kurz.StatusPlayable
	}
	return kurz.StatusReady
}

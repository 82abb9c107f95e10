// Package feedjson is the API's JSON of public videos and feed pages:
// the records every region serves from its catalogue, encoded once per
// version of a video, with each viewer's marks added per request.
package feedjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

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

// Cache holds each catalogue video's public API record, encoded
// once per version: the catalogue gives every version of a video its own
// number (PublicVideo.Version), so ID and version name the content. A
// feed page is then those bytes with the viewer's marks, instead of
// encoding every record by reflection on every request. Public data only.
type Cache struct {
	mu sync.Mutex
	m  map[versionKey][]byte
}

type versionKey struct {
	id  string
	ver uint64
}

// maxCachedVideoJSON bounds the cache; past it, it starts over (old
// versions would otherwise stay reachable).
const maxCachedVideoJSON = 50_000

// marksSuffix ends every encoded record: the viewer's marks, written per
// request.
var marksSuffix = []byte(`,"liked":false,"following":false}`)

// public returns v's record without its closing marks, encoded once.
func (c *Cache) public(v *catalog.PublicVideo) []byte {
	k := versionKey{v.ID, v.Version()}
	c.mu.Lock()
	b, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return b
	}
	rec := Videos([]feed.Item{{PublicVideo: v}})[0]
	b, err := json.Marshal(rec)
	if err != nil || !bytes.HasSuffix(b, marksSuffix) {
		return nil
	}
	b = b[:len(b)-len(marksSuffix)]
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedVideoJSON {
		c.m = map[versionKey][]byte{}
	}
	if k.ver != 0 { // a video not from the catalogue has no version to key by
		c.m[k] = b
	}
	c.mu.Unlock()
	return b
}

// feedPageBytes encodes a feed page exactly as json.Marshal(page(f))
// would, from the cached records.
func (c *Cache) Page(f *feed.Page) []byte {
	var b bytes.Buffer
	b.Grow(700 * (len(f.Items) + 1))
	b.WriteString(`{"kind":`)
	writeString(&b, f.Kind)
	b.WriteString(`,"items":[`)
	for i, it := range f.Items {
		pub := c.public(it.PublicVideo)
		if pub == nil { // cannot happen; keep the answer right anyway
			out, _ := json.Marshal(page(f))
			return out
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(pub)
		b.WriteString(`,"liked":` + strconv.FormatBool(it.Liked) + `,"following":` + strconv.FormatBool(it.Following))
		if it.Seen {
			b.WriteString(`,"seen":true`)
		}
		b.WriteString(`,"why":{"code":`)
		writeString(&b, it.Why.Code)
		if it.Why.Detail != "" {
			b.WriteString(`,"detail":`)
			writeString(&b, it.Why.Detail)
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`],"next_cursor":`)
	writeString(&b, f.Next)
	b.WriteString(`,"caught_up":` + strconv.FormatBool(f.CaughtUp) + `,"catalogue_empty":` + strconv.FormatBool(f.CatalogueEmpty) + `}`)
	return b.Bytes()
}

// writeString writes s as a JSON string, escaped as encoding/json does.
func writeString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s)
	b.Write(out)
}

// status is a catalogue video's status: playable while only its first
// rendition is published, else ready.
func status(it feed.Item) string {
	if it.Partial {
		return kurz.StatusPlayable
	}
	return kurz.StatusReady
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"kurz/catalog"
	"kurz/social"
)

// videoJSONCache holds each catalogue video's public API record, encoded
// once per version: a *catalog.PublicVideo is never changed, only
// replaced, so the pointer names the version. A feed page is then those
// bytes with the viewer's marks, instead of encoding every record by
// reflection on every request. Public data only.
type videoJSONCache struct {
	mu sync.Mutex
	m  map[*catalog.PublicVideo][]byte
}

// maxCachedVideoJSON bounds the cache; past it, it starts over (old
// versions would otherwise stay reachable).
const maxCachedVideoJSON = 50_000

// marksSuffix ends every encoded record: the viewer's marks, written per
// request.
var marksSuffix = []byte(`,"liked":false,"following":false}`)

// public returns v's record without its closing marks, encoded once.
func (c *videoJSONCache) public(v *catalog.PublicVideo) []byte {
	c.mu.Lock()
	b, ok := c.m[v]
	c.mu.Unlock()
	if ok {
		return b
	}
	rec := feedJSON([]social.FeedItem{{PublicVideo: v}})[0]
	b, err := json.Marshal(rec)
	if err != nil || !bytes.HasSuffix(b, marksSuffix) {
		return nil
	}
	b = b[:len(b)-len(marksSuffix)]
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedVideoJSON {
		c.m = map[*catalog.PublicVideo][]byte{}
	}
	c.m[v] = b
	c.mu.Unlock()
	return b
}

// feedPageBytes encodes a feed page exactly as json.Marshal(feedPage(f))
// would, from the cached records.
func (s *Server) feedPageBytes(f *social.Feed) []byte {
	var b bytes.Buffer
	b.Grow(700 * (len(f.Items) + 1))
	b.WriteString(`{"kind":`)
	writeString(&b, f.Kind)
	b.WriteString(`,"items":[`)
	for i, it := range f.Items {
		pub := s.videoJSON.public(it.PublicVideo)
		if pub == nil { // cannot happen; keep the answer right anyway
			out, _ := json.Marshal(feedPage(f))
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

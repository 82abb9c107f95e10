package videoapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"kurz"
	"kurz/catalog"
	"kurz/feedjson"
	"kurz/policy"
	"kurz/region"
	"kurz/video"
)

// A public video's record and page come from the catalogue, as the feeds
// do, not from the store: the catalogue entry, the viewer as the policy
// sees them and their likes and follows are all in memory (the viewer's
// from their state in package feed). For a video of a region hosted
// here that is done only where the answer is the one the store would
// give (app.TestRecordPathsAgree compares them field by field):
//
//   - the region's catalogue has applied every public-log write this node
//     made (cell.Outbox.CatalogCurrent): a takedown, a video made private
//     or a pending erasure is never answered from a catalogue that has not
//     applied it yet; until it has, the store answers;
//   - the viewer is anonymous or a person of the video's region (the
//     region keeps blocks of people of other regions by its own, which
//     cell.Relate adds from its store);
//   - the viewer is not its owner (who sees its state and fields only
//     they may: the store answers);
//   - its media need no token (no age or country restriction: the store's
//     record carries a media token for those), and it is no duet (the
//     catalogue does not carry a duet's layout);
//   - the policy shows it to the viewer on the surface; a hide is left to
//     the store, so every refusal is decided exactly as before.
//
// Anything not in the catalogue (followers-only, private, minors', held,
// removed videos, and any the public may not see) is read from the store.

// FromCatalogue answers VideoFor for video id of region c (hosted here)
// from c's catalogue when the rules above let it; ok false: ask the store
// (FromStore).
func FromCatalogue(ctx context.Context, viewer *kurz.Profile, vc, c *region.Region, id string, f policy.Surface) (v *video.VideoJSON, ok bool) {
	v, _, ok = fromCatalogue(ctx, viewer, vc, c, id, f)
	return v, ok
}

// fromCatalogue is FromCatalogue, also naming the catalogue entry.
func fromCatalogue(ctx context.Context, viewer *kurz.Profile, vc, c *region.Region, id string, f policy.Surface) (*video.VideoJSON, *catalog.PublicVideo, bool) {
	if viewer != nil && vc != c || !c.Outbox.CatalogCurrent() {
		return nil, nil, false
	}
	pv, ok := c.Index.Video(id)
	if !ok || pv.AgeRestricted || len(pv.Countries) > 0 || pv.RemixKind == kurz.RemixDuet || viewer != nil && viewer.ID == pv.OwnerID {
		return nil, nil, false
	}
	v, ok := recordOf(ctx, viewer, vc, pv, f)
	return v, pv, ok
}

// recordOf is the record of catalogue video pv for the viewer (home
// region vc) on surface f, with their marks, if the policy shows it.
func recordOf(ctx context.Context, viewer *kurz.Profile, vc *region.Region, pv *catalog.PublicVideo, f policy.Surface) (*video.VideoJSON, bool) {
	who, err := vc.Feed.Who(ctx, viewer)
	if err != nil {
		who = vc.PolicyViewer(ctx, viewer)
	}
	if !policy.Shows(who, pv, f) {
		return nil, false
	}
	items, err := vc.Feed.Decorate(ctx, viewer, []*catalog.PublicVideo{pv})
	if err != nil || len(items) == 0 {
		return nil, false // a block (Decorate)
	}
	return feedjson.Videos(items)[0], true
}

// recordCache holds the record of each catalogue video, encoded once per
// version without the viewer's marks: the catalogue numbers every
// version of a video (PublicVideo.Version), so ID and version name the
// content, and the record made of it is the same for every viewer but
// for liked and following (last in video.VideoJSON), which encode adds
// per request.
// Public data only; whether the viewer may see the video is decided
// before, on every request.
type recordCache struct {
	mu sync.Mutex
	m  map[recordKey][]byte
}

// recordKey names a version of a catalogue video (PublicVideo.Version
// changes with every change, and the catalogue may hand out a new
// *PublicVideo for each look-up).
type recordKey struct {
	id  string
	ver uint64
}

// maxCachedRecords bounds the cache; past it, it starts over (old
// versions would otherwise stay reachable).
const maxCachedRecords = 50_000

// marksSuffix ends a record encoded with no marks.
var marksSuffix = []byte(`,"liked":false,"following":false}`)

// encode returns v, the record of pv, as json.Encoder writes it (with its
// newline), or nil if it cannot be made from the cache.
func (c *recordCache) encode(pv *catalog.PublicVideo, v *video.VideoJSON) []byte {
	k := recordKey{pv.ID, pv.Version()}
	c.mu.Lock()
	pub, ok := c.m[k]
	c.mu.Unlock()
	if !ok {
		bare := *v
		bare.Liked, bare.Following = false, false
		b, err := json.Marshal(&bare)
		if err != nil || !bytes.HasSuffix(b, marksSuffix) {
			return nil
		}
		pub = b[:len(b)-len(marksSuffix)]
		if k.ver != 0 { // a video not from a catalogue has no version to key by
			c.mu.Lock()
			if c.m == nil || len(c.m) >= maxCachedRecords {
				c.m = map[recordKey][]byte{}
			}
			c.m[k] = pub
			c.mu.Unlock()
		}
	}
	out := make([]byte, 0, len(pub)+len(marksSuffix)+2)
	out = append(out, pub...)
	out = append(out, `,"liked":`...)
	out = strconv.AppendBool(out, v.Liked)
	out = append(out, `,"following":`...)
	out = strconv.AppendBool(out, v.Following)
	return append(out, "}\n"...)
}

package httpapi

import (
	"context"
	"net/http"

	"kurz"
	"kurz/feedjson"
	"kurz/policy"
	"kurz/region"
	"kurz/video"
	"kurz/web"
)

// WebBackend gives the web pages what they need, through the same cells
// and rules as the API.
type WebBackend struct{ S *Server }

var _ web.Backend = WebBackend{}

func (b WebBackend) Viewer(r *http.Request) *web.Viewer {
	v, p, c := b.identity(r)
	if v != nil && c.Region == p.Region() {
		// From memory, as the pages' records are: the viewer's feed
		// state, and their public profile while the catalogue is current.
		v.FeedOptOut, _ = c.Feed.OptOut(r.Context(), p)
		v.PrivateAccount = privateAccount(r.Context(), c, p)
		v.Minor = c.Feed.Minor(r.Context(), p)
	}
	return v
}

func (b WebBackend) Identity(r *http.Request) *web.Viewer {
	v, _, _ := b.identity(r)
	return v
}

// identity is the signed-in person of r (nil if none) and their cell.
func (b WebBackend) identity(r *http.Request) (*web.Viewer, *kurz.Profile, *region.Region) {
	p, c, err := b.S.viewerCell(r)
	if err != nil || p == nil {
		return nil, nil, nil
	}
	return &web.Viewer{ID: p.ID, Handle: p.Handle, Region: string(p.Region())}, p, c
}

// privateAccount reports whether a person of region c made their account
// private: from the catalogue's public profile while the catalogue holds
// every log write of this node, else (or while their profile is off it)
// from the store.
func privateAccount(ctx context.Context, c *region.Region, p *kurz.Profile) bool {
	if c.Outbox.CatalogCurrent() {
		if pp, ok := c.Index.Profile(p.ID); ok {
			return pp.Private
		}
	}
	private, _ := c.Social.Private(ctx, p)
	return private
}

// profileOf turns a page viewer back into the person and their cell.
func (b WebBackend) profileOf(v *web.Viewer) (*kurz.Profile, *region.Region) {
	if v == nil {
		return nil, b.S.Door
	}
	c, ok := b.S.Cells[kurz.Region(v.Region)]
	if !ok {
		return nil, b.S.Door
	}
	return &kurz.Profile{ID: v.ID, Handle: v.Handle}, c
}

func webVideo(v *video.VideoJSON) web.Video {
	return web.Video{ID: v.ID, Status: v.Status, Error: v.Error, Caption: v.Caption, Hashtags: v.Hashtags,
		CreatorHandle: v.Creator.Handle, CreatorAvatarURL: v.Creator.AvatarURL, DurationMS: int(v.DurationMS), Width: v.Width, Height: v.Height,
		HLSURL: v.HLSURL, PosterURL: v.PosterURL, Likes: v.Likes, Comments: v.Comments, Views: v.Views,
		CreatedAt: v.CreatedAt, Liked: v.Liked, FollowingCreator: v.Following, Visibility: v.Visibility}
}

func (b WebBackend) Video(ctx context.Context, viewer *web.Viewer, id, surface string) (*web.Video, error) {
	p, vc := b.profileOf(viewer)
	switch f := policy.Surface(surface); f {
	case policy.Page, policy.Embed, policy.OEmbed:
	default:
		return nil, kurz.Errorf(kurz.EInternal, "no page surface %q", surface)
	}
	v, err := b.S.videos().VideoFor(ctx, p, vc, id, policy.Surface(surface))
	if err != nil {
		return nil, err
	}
	out := webVideo(v)
	return &out, nil
}

func (b WebBackend) Profile(ctx context.Context, viewer *web.Viewer, handle string) (*web.Profile, error) {
	p, c := b.profileOf(viewer)
	pj, err := b.S.profileJSON(ctx, p, c, handle)
	if err != nil {
		return nil, err
	}
	return &web.Profile{ID: pj.ID, Handle: pj.Handle, DisplayName: pj.DisplayName, Bio: pj.Bio, Followers: pj.Followers,
		Following: pj.Following, Likes: pj.Likes, Private: pj.Private, IsViewer: p != nil && p.ID == pj.ID,
		ViewerFollows: pj.ViewerFollows, ViewerBlocked: pj.ViewerBlocked, ViewerMuted: pj.ViewerMuted, AvatarURL: pj.AvatarURL}, nil
}

func (b WebBackend) ProfileVideos(ctx context.Context, viewer *web.Viewer, handle, cursor string) ([]web.Video, string, error) {
	p, c := b.profileOf(viewer)
	vids, next, err := b.S.profileVideos(ctx, p, c, handle, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]web.Video, 0, len(vids))
	for _, v := range vids {
		out = append(out, webVideo(v))
	}
	return out, next, nil
}

func (b WebBackend) TagVideos(ctx context.Context, viewer *web.Viewer, tag, cursor string) ([]web.Video, string, error) {
	p, c := b.profileOf(viewer)
	after, err := cursorVideo(cursor)
	if err != nil {
		return nil, "", err
	}
	vids := c.Index.TagVideos(tag, after, 24)
	items, err := c.Feed.Decorate(ctx, p, c.Social.Visible(ctx, p, vids, policy.Tag))
	if err != nil {
		return nil, "", err
	}
	out := make([]web.Video, 0, len(items))
	for _, v := range feedjson.Videos(items) {
		out = append(out, webVideo(v))
	}
	return out, nextCursor(vids, 24), nil
}

func (b WebBackend) Feed(ctx context.Context, viewer *web.Viewer, kind string) ([]byte, string, error) {
	p, c := b.profileOf(viewer)
	f, err := c.Feed.Page(ctx, p, kind, "", pageSize)
	if err != nil {
		return nil, "", err
	}
	poster := ""
	if len(f.Items) > 0 {
		_, poster, _ = video.MediaURLs(f.Items[0].ID, "")
	}
	return b.S.feeds.Page(f), poster, nil
}

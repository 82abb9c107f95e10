package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"kurz"
	"kurz/apijson"
	"kurz/auth"
	"kurz/catalog"
	"kurz/cell"
	"kurz/feedjson"
	"kurz/policy"
	"kurz/region"
	"kurz/video"
)

// limit applies a per-person rate limit.
func limit(l *auth.Limiter, p *kurz.Profile) error {
	if ok, wait := l.Allow(p.ID); !ok {
		return rateLimited(wait)
	}
	return nil
}

func (s *Server) profileJSON(ctx context.Context, viewer *kurz.Profile, c *region.Region, handle string) (*apijson.Profile, error) {
	pp, err := c.Social.ProfileByHandle(ctx, viewer, handle)
	if err != nil {
		return nil, err
	}
	out := &apijson.Profile{ID: pp.ID, Handle: pp.Handle, DisplayName: pp.DisplayName, Bio: pp.Bio, Private: pp.Private,
		Followers: pp.Followers, Following: pp.Following, Likes: c.Index.LikesOf(pp.ID), AvatarURL: kurz.AvatarURL(pp.ID, pp.Avatar)}
	if viewer != nil {
		out.ViewerFollows = c.Feed.IsFollowing(ctx, viewer.ID, pp.ID)
		out.ViewerBlocked, out.ViewerMuted = c.Social.BlockState(ctx, viewer, pp.ID)
	}
	return out, nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out, err := s.profileJSON(r.Context(), p, c, r.PathValue("handle"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) patchProfile(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in apijson.ProfilePatch
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := c.Social.UpdateProfile(r.Context(), p, in.DisplayName, in.Bio); err != nil {
		s.error(w, r, err)
		return
	}
	out, err := s.profileJSON(r.Context(), p, c, p.Handle)
	if err != nil {
		// The catalogue catches up with the log a moment later.
		writeJSON(w, http.StatusOK, apijson.Profile{ID: p.ID, Handle: p.Handle})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

const pageSize = 10

func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := r.URL.Query()
	f, err := c.Feed.Page(r.Context(), p, q.Get("kind"), q.Get("cursor"), pageSize)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.feeds.Serve(w, f)
}

// cursorVideo decodes a newest-first cursor ("<ms>_<id>").
func cursorVideo(cursor string) (*catalog.PublicVideo, error) {
	if cursor == "" {
		return nil, nil
	}
	ms, id, ok := strings.Cut(cursor, "_")
	var t int64
	for _, ch := range ms {
		if ch < '0' || ch > '9' {
			ok = false
		}
		t = t*10 + int64(ch-'0')
	}
	if !ok {
		return nil, kurz.Errorf(kurz.EInvalid, "bad cursor")
	}
	return &catalog.PublicVideo{ID: id, CreatedAt: time.UnixMilli(t)}, nil
}

func nextCursor(vids []*catalog.PublicVideo, n int) string {
	if len(vids) < n {
		return ""
	}
	last := vids[len(vids)-1]
	return strings.TrimSpace(itoa64(last.CreatedAt.UnixMilli())) + "_" + last.ID
}

func (s *Server) userVideos(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	items, next, err := s.profileVideos(r.Context(), p, c, r.PathValue("handle"), r.URL.Query().Get("cursor"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.VideoPage{Items: items, NextCursor: next})
}

// profileVideos is a person's video list (API and page) as the policy
// lets the viewer (nil: anonymous; vc their home cell, or the door) see
// it on the profile surface. The owner and approved followers of a
// person of a region hosted here get it from the store (followers-only
// and, for the owner, unfinished videos are never in the catalogue), in
// one page; everyone else gets the catalogue's public videos.
func (s *Server) profileVideos(ctx context.Context, viewer *kurz.Profile, vc *region.Region, handle, cursor string) ([]*video.VideoJSON, string, error) {
	pp, err := vc.Social.ProfileByHandle(ctx, viewer, handle)
	if h, _ := kurz.NormalizeHandle(handle); err != nil && viewer != nil && h == viewer.Handle {
		// One's own list, also while one's profile is off the catalogue
		// (erasure pending).
		pp, err = &catalog.PublicProfile{ID: viewer.ID, Handle: viewer.Handle}, nil
	}
	if err != nil {
		return nil, "", err
	}
	if c, err := s.cellOf(pp.ID); err == nil && viewer != nil && cursor == "" &&
		(viewer.ID == pp.ID || c.ApprovedFollower(ctx, viewer.ID, pp.ID)) {
		who := vc.PolicyViewer(ctx, viewer)
		vids, err := c.Store.VideosOf(ctx, pp.ID)
		if err != nil {
			return nil, "", err
		}
		out := []*video.VideoJSON{}
		for _, v := range vids {
			if vj, err := c.Videos.Video(ctx, who, v.ID, policy.Profile); err == nil {
				vj.Liked, vj.Following = vc.Feed.Marks(ctx, viewer, vj.ID, vj.Creator.ID)
				out = append(out, vj)
			}
		}
		return out, "", nil
	}
	after, err := cursorVideo(cursor)
	if err != nil {
		return nil, "", err
	}
	vids := vc.Index.OwnerVideos(pp.ID, after, 24)
	items, err := vc.Feed.Decorate(ctx, viewer, vc.Social.Visible(ctx, viewer, vids, policy.Profile))
	if err != nil {
		return nil, "", err
	}
	return feedjson.Videos(items), nextCursor(vids, 24), nil
}

func (s *Server) tagVideos(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	after, err := cursorVideo(r.URL.Query().Get("cursor"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	// A tag is looked up in the form captions are indexed by, so
	// /tags/ＣＡＴＳ finds #cats; text that is no tag has no videos.
	tag, _ := kurz.NormalizeHashtag(r.PathValue("tag"))
	vids := c.Index.TagVideos(tag, after, 24)
	items, err := c.Feed.Decorate(r.Context(), p, c.Social.Visible(r.Context(), p, vids, policy.Tag))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.VideoPage{Items: feedjson.Videos(items), NextCursor: nextCursor(vids, 24)})
}

// regions lists the regions and the health of each hosted region's link
// to its peers.
// regions shows each hosted region's log and its peers' health. Why a
// peer cannot be followed is shown to the region's staff only.
func (s *Server) regions(w http.ResponseWriter, r *http.Request) {
	viewer, _ := s.viewer(r)
	out := map[string]apijson.Region{}
	for region, c := range s.Cells {
		seq, _ := c.Store.LastLogSeq(r.Context())
		staff := viewer != nil && c.Staff.Is(r.Context(), viewer, cell.RoleAdmin, cell.RoleModerator, cell.RolePrivacy)
		gen, _ := c.Replication.Generation(r.Context())
		out[string(region)] = apijson.Region{Hosted: true, LogSeq: seq, Peers: c.Replication.HealthFor(staff), Generation: gen}
	}
	writeJSON(w, http.StatusOK, apijson.Regions{Regions: out})
}

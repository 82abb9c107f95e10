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
	"kurz/region"
	"kurz/social"
)

// viewerCell returns the signed-in person and their home cell, or for an
// anonymous request nil and the door cell (any region can serve public
// content from its catalogue).
func (s *Server) viewerCell(r *http.Request) (*kurz.Profile, *region.Region, error) {
	if token(r) == "" {
		return nil, s.Door, nil
	}
	return s.authenticate(r)
}

// limit applies a per-person rate limit.
func limit(l *auth.Limiter, p *kurz.Profile) error {
	if ok, wait := l.Allow(p.ID); !ok {
		return rateLimited(wait)
	}
	return nil
}

func (s *Server) like(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err == nil {
		err = limit(s.likes, p)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	n, err := c.Social.SetLike(r.Context(), p, r.PathValue("id"), r.Method == http.MethodPut)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.Like{Likes: n, Liked: r.Method == http.MethodPut})
}

func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p != nil {
		if err := c.Social.RecordView(r.Context(), p, r.PathValue("id")); err != nil {
			s.error(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postComment(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err == nil {
		err = limit(s.comments, p)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in apijson.CommentRequest
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	cm, err := c.Social.PostComment(r.Context(), p, r.PathValue("id"), in.Text)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, cm)
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	items, next, err := c.Social.Comments(r.Context(), p, r.PathValue("id"), r.URL.Query().Get("cursor"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if items == nil {
		items = []social.CommentJSON{}
	}
	writeJSON(w, http.StatusOK, apijson.CommentPage{Items: items, NextCursor: next})
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Social.DeleteComment(r.Context(), p, r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err == nil {
		err = limit(s.likes, p)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	n, err := c.Social.SetFollow(r.Context(), p, r.PathValue("handle"), r.Method == http.MethodPut)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.Follow{Followers: n, Following: r.Method == http.MethodPut})
}

func (s *Server) profileJSON(ctx context.Context, viewer *kurz.Profile, c *region.Region, handle string) (*apijson.Profile, error) {
	pp, err := c.Social.ProfileByHandle(ctx, handle)
	if err != nil {
		return nil, err
	}
	out := &apijson.Profile{ID: pp.ID, Handle: pp.Handle, DisplayName: pp.DisplayName, Bio: pp.Bio, Private: pp.Private,
		Followers: pp.Followers, Following: pp.Following, Likes: c.Index.LikesOf(pp.ID)}
	if viewer != nil {
		out.ViewerFollows = c.Social.IsFollowing(ctx, viewer.ID, pp.ID)
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
		writeJSON(w, http.StatusOK, map[string]any{"id": p.ID, "handle": p.Handle})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) writeVideos(w http.ResponseWriter, r *http.Request, c *region.Region, viewer *kurz.Profile, vids []*catalog.PublicVideo, next string) {
	items, err := c.Social.Decorate(r.Context(), viewer, vids)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.VideoPage{Items: feedjson.Videos(items), NextCursor: next})
}

const pageSize = 10

func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := r.URL.Query()
	f, err := c.Social.Feed(r.Context(), p, q.Get("kind"), q.Get("cursor"), pageSize)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(append(s.feeds.Page(f), '\n'))
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	off, err := c.Social.FeedOptOut(r.Context(), p)
	if err != nil {
		s.error(w, r, err)
		return
	}
	on := !off
	writeJSON(w, http.StatusOK, apijson.Settings{PersonalizedFeed: &on})
}

func (s *Server) patchSettings(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in apijson.Settings
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	if in.PersonalizedFeed != nil {
		if err := c.Social.SetFeedOptOut(r.Context(), p, !*in.PersonalizedFeed); err != nil {
			s.error(w, r, err)
			return
		}
	}
	s.getSettings(w, r)
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
	pp, err := c.Social.ProfileByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	after, err := cursorVideo(r.URL.Query().Get("cursor"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	vids := c.Index.OwnerVideos(pp.ID, after, 24)
	s.writeVideos(w, r, c, p, vids, nextCursor(vids, 24))
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
	s.writeVideos(w, r, c, p, vids, nextCursor(vids, 24))
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
		peers := c.Replication.Health()
		if viewer == nil || !c.IsStaff(r.Context(), viewer.ID, cell.RoleAdmin, cell.RoleModerator, cell.RolePrivacy) {
			for p, h := range peers {
				h.Reason = ""
				peers[p] = h
			}
		}
		out[string(region)] = apijson.Region{Hosted: true, LogSeq: seq, Peers: peers}
	}
	writeJSON(w, http.StatusOK, apijson.Regions{Regions: out})
}

package httpapi

import (
	"net/http"
	"strings"
	"time"

	"kurz"
	"kurz/discover"
	"kurz/feedjson"
	"kurz/region"
)

// searchViewer is what search knows of the viewer (nil: anonymous).
func searchViewer(r *http.Request, c *region.Region, p *kurz.Profile) *discover.Viewer {
	if p == nil {
		return nil
	}
	return &discover.Viewer{Minor: c.Social.Minor(r.Context(), p)}
}

// search answers GET /api/v1/search?q=&type=videos|people|tags&cursor=
// from the catalogue of the region answering: the door for anonymous
// searchers, the searcher's home region otherwise (their request is
// forwarded there like every signed-in request). The query is personal
// data: it is not logged (the request log has the route only) and goes
// nowhere else.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := r.URL.Query()
	text, cursor := q.Get("q"), q.Get("cursor")
	switch q.Get("type") {
	case "", "videos":
		vids, next, err := c.Discover.Videos(r.Context(), searchViewer(r, c, p), text, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.writeVideos(w, r, c, p, vids, next)
	case "people":
		people, next, err := c.Discover.People(r.Context(), text, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": people, "next_cursor": next})
	case "tags":
		tags, next, err := c.Discover.Tags(r.Context(), text, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": tags, "next_cursor": next})
	default:
		s.error(w, r, kurz.FieldError("type", "type must be videos, people or tags"))
	}
}

// discover answers GET /api/v1/discover: the hashtags trending worldwide
// and in the viewer's region, with a few clips each.
func (s *Server) discover(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	now, viewer := time.Now(), searchViewer(r, c, p)
	world, regional := c.Discover.Trending(now, viewer, c.Region)
	worldSounds, regionalSounds := c.Discover.TrendingSounds(now, viewer, c.Region)
	out := map[string]any{"region": c.Region}
	for key, list := range map[string][]discover.Trend{"worldwide": world, "regional": regional,
		"worldwide_sounds": worldSounds, "regional_sounds": regionalSounds} {
		items := make([]map[string]any, len(list))
		for i, t := range list {
			vids, err := c.Social.Decorate(r.Context(), p, t.Videos)
			if err != nil {
				s.error(w, r, err)
				return
			}
			items[i] = map[string]any{"tag": t.Tag, "videos": feedjson.Videos(vids)}
			if strings.HasSuffix(key, "_sounds") {
				snd, _ := c.Discover.SoundOf(t.Tag)
				items[i] = map[string]any{"sound": snd, "videos": feedjson.Videos(vids)}
			}
		}
		out[key] = items
	}
	writeJSON(w, http.StatusOK, out)
}

// soundVideos answers GET /api/v1/sounds/{id}/videos: the sound (named
// after the clip it comes from) and the public videos using it, newest
// first.
func (s *Server) soundVideos(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	id := r.PathValue("id")
	after, err := cursorVideo(r.URL.Query().Get("cursor"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	sound, ok := c.Discover.SoundOf(id)
	if !ok {
		s.error(w, r, kurz.ErrNotFound)
		return
	}
	vids := c.Index.SoundVideos(id, after, 24)
	items, err := c.Social.Decorate(r.Context(), p, vids)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sound": sound, "items": feedjson.Videos(items), "next_cursor": nextCursor(vids, 24)})
}

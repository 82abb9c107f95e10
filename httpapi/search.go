package httpapi

import (
	"net/http"
	"time"

	"kurz"
	"kurz/catalog"
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
		items := make([]ProfileJSON, len(people))
		for i, pp := range people {
			items[i] = ProfileJSON{ID: pp.ID, Handle: pp.Handle, DisplayName: pp.DisplayName, Bio: pp.Bio, Private: pp.Private,
				Followers: pp.Followers, Following: pp.Following, Likes: c.Index.LikesOf(pp.ID)}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
	case "tags":
		tags, next, err := c.Discover.Tags(r.Context(), text, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if tags == nil {
			tags = []discover.Tag{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": tags, "next_cursor": next})
	default:
		s.error(w, r, kurz.FieldError("type", "type must be videos, people or tags"))
	}
}

// trendJSON is a trending hashtag on the Discover page.
type trendJSON struct {
	Tag    string `json:"tag"`
	Videos any    `json:"videos"`
}

// discover answers GET /api/v1/discover: the hashtags trending worldwide
// and in the viewer's region, with a few clips each.
func (s *Server) discover(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	world, regional := c.Discover.Trending(time.Now(), searchViewer(r, c, p), c.Region)
	out := map[string]any{"region": c.Region}
	for key, list := range map[string][]discover.Trend{"worldwide": world, "regional": regional} {
		items := make([]trendJSON, 0, len(list))
		for _, t := range list {
			vids, err := s.trendVideos(r, c, p, t.Videos)
			if err != nil {
				s.error(w, r, err)
				return
			}
			items = append(items, trendJSON{Tag: t.Tag, Videos: vids})
		}
		out[key] = items
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) trendVideos(r *http.Request, c *region.Region, p *kurz.Profile, vids []*catalog.PublicVideo) (any, error) {
	items, err := c.Social.Decorate(r.Context(), p, vids)
	if err != nil {
		return nil, err
	}
	return feedjson.Videos(items), nil
}

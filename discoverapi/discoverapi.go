// Package discoverapi is the HTTP side of search, Discover, sounds and
// downloads: handlers the front door (httpapi) mounts, given how it finds
// the viewer and writes errors. What may be found, used or downloaded is
// decided in discover and pipeline; this package only answers.
package discoverapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/discover"
	"kurz/feedjson"
	"kurz/media"
	"kurz/policy"
	"kurz/region"
	"kurz/safety"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Viewer returns the signed-in person (nil: anonymous) and the
	// region that answers them.
	Viewer func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)
	// Cells are the regions this process hosts; Forward carries a
	// request to another process's region.
	Cells   map[kurz.Region]*region.Region
	Forward func(http.ResponseWriter, *http.Request, kurz.Region)
	// Staff returns the signed-in person and the region named by the
	// path's {region} (staff routes).
	Staff func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Decode reads a request body strictly.
	Decode func(http.ResponseWriter, *http.Request, any) error
	// Media are the options downloads are served with.
	Media media.Options
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// writeVideos writes a page of catalogue videos with the viewer's marks.
func (s *Handlers) writeVideos(w http.ResponseWriter, r *http.Request, c *region.Region, viewer *kurz.Profile, vids []*catalog.PublicVideo, next string) {
	items, err := c.Feed.Decorate(r.Context(), viewer, vids)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": feedjson.Videos(items), "next_cursor": next})
}

// viewerOf is the policy's viewer: the signed-in person as their home
// region knows them, or an anonymous visitor at this door.
func viewerOf(r *http.Request, c *region.Region, p *kurz.Profile) policy.Viewer {
	return c.Social.PolicyViewer(r.Context(), p)
}

// Search answers GET /api/v1/search?q=&type=videos|people|tags&cursor=
// from the catalogue of the region answering: the door for anonymous
// searchers, the searcher's home region otherwise (their request is
// forwarded there like every signed-in request). The query is personal
// data: it is not logged (the request log has the route only) and goes
// nowhere else.
func (s *Handlers) Search(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.Viewer(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	text, cursor := q.Get("q"), q.Get("cursor")
	switch q.Get("type") {
	case "", "videos":
		vids, next, err := c.Discover.Videos(r.Context(), viewerOf(r, c, p), text, cursor)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		s.writeVideos(w, r, c, p, vids, next)
	case "people":
		people, next, err := c.Discover.People(r.Context(), text, cursor)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		// Whoever blocked the searcher is not found (social decides).
		people = slices.DeleteFunc(people, func(pp discover.Person) bool { return !c.Social.SeesProfile(r.Context(), p, pp.ID) })
		writeJSON(w, http.StatusOK, map[string]any{"items": people, "next_cursor": next})
	case "tags":
		tags, next, err := c.Discover.Tags(r.Context(), text, cursor)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": tags, "next_cursor": next})
	default:
		s.Error(w, r, kurz.FieldError("type", "type must be videos, people or tags"))
	}
}

// Discover answers GET /api/v1/discover: the hashtags trending worldwide
// and in the viewer's region, with a few clips each.
func (s *Handlers) Discover(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.Viewer(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now, viewer := time.Now(), viewerOf(r, c, p)
	world, regional := c.Discover.Trending(now, viewer, c.Region)
	worldSounds, regionalSounds := c.Discover.TrendingSounds(now, viewer, c.Region)
	out := map[string]any{"region": c.Region}
	for key, list := range map[string][]discover.Trend{"worldwide": world, "regional": regional,
		"worldwide_sounds": worldSounds, "regional_sounds": regionalSounds} {
		items := make([]map[string]any, len(list))
		for i, t := range list {
			vids, err := c.Feed.Decorate(r.Context(), p, t.Videos)
			if err != nil {
				s.Error(w, r, err)
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

// SoundVideos answers GET /api/v1/sounds/{id}/videos: the sound (named
// after the clip it comes from) and the public videos using it, newest
// first.
func (s *Handlers) SoundVideos(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.Viewer(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id := r.PathValue("id")
	sound, ok := c.Discover.SoundOf(id)
	if !ok {
		s.Error(w, r, kurz.ErrNotFound)
		return
	}
	if sound.Blocked {
		writeJSON(w, http.StatusOK, map[string]any{"sound": sound, "items": []any{}})
		return
	}
	vids, next, err := c.Discover.SoundVideos(viewerOf(r, c, p), id, r.URL.Query().Get("cursor"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items, err := c.Feed.Decorate(r.Context(), p, vids)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sound": sound, "items": feedjson.Videos(items), "next_cursor": next})
}

// Download answers GET /api/v1/videos/{id}/download: the video as an MP4
// with a small watermark, if it is public and its creator allows it. The
// region that owns the video makes it; another process's region gets the
// request forwarded.
func (s *Handlers) Download(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reg, err := kurz.ParseID(id)
	if err != nil {
		s.Error(w, r, kurz.ErrNotFound)
		return
	}
	c, ok := s.Cells[reg]
	if !ok {
		s.Forward(w, r, reg)
		return
	}
	key, err := c.Pipeline.Download(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="kurz-`+id+`.mp4"`)
	media.Serve(w, r, c.Blobs, key, "", s.Media)
}

// BlockSound answers POST /api/v1/moderation/{region}/sounds/{id}/block:
// a moderator of the sound's region blocks it (see safety.BlockSound)
// and gets the statement of reasons its creator gets.
func (s *Handlers) BlockSound(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.Staff(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in safety.DecisionInput
	if err := s.Decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	st, err := c.Safety.BlockSound(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

// Package studioapi is the HTTP side of the creator studio and of the
// player's view events: handlers the front door (httpapi) mounts, given
// how it finds the viewer, reads bodies and writes errors. Who may see
// which numbers is decided in video (Studio, StudioVideo: the owner only)
// and how views count in social (RecordView, RecordAnonymousView); this
// package only answers.
package studioapi

import (
	"encoding/json"
	"net/http"

	"kurz"
	"kurz/region"
	"kurz/social"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Viewer returns the signed-in person (nil: anonymous) and the
	// region that answers them; SignedIn the same, refusing anonymous
	// callers.
	Viewer, SignedIn func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Network names an anonymous caller's network for counting their
	// view once (a keyed form of their address, never stored as such).
	Network func(*http.Request) string
	// Decode reads a JSON body strictly; Error writes an error in the
	// API's one shape.
	Decode func(http.ResponseWriter, *http.Request, any) error
	Error  func(http.ResponseWriter, *http.Request, error)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// View answers POST /api/v1/videos/{id}/view: a view, with the watch
// time or a share the body may report (an empty body or {}: the view
// alone).
func (s *Handlers) View(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.Viewer(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var ev social.ViewEvent
	if r.ContentLength != 0 {
		if err := s.Decode(w, r, &ev); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if p != nil {
		err = c.Social.Views.Record(r.Context(), p, r.PathValue("id"), ev)
	} else {
		err = c.Social.Views.RecordAnonymous(r.Context(), s.Network(r), r.PathValue("id"), ev)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Studio answers GET /api/v1/studio: the caller's videos, whatever their
// status, with their numbers, and their totals.
func (s *Handlers) Studio(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.SignedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	st, err := c.Videos.Studio(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, st)
}

// Video answers GET /api/v1/studio/videos/{id}: one of the caller's
// videos with its numbers; 404 for anyone else's.
func (s *Handlers) Video(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.SignedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sv, err := c.Videos.StudioVideo(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, sv)
}

// Package socialapi is the HTTP side of blocks and mutes: handlers the
// front door (httpapi) mounts, given how it finds the signed-in person
// and writes errors. What a block or a mute does is decided in social and
// policy; this package only answers.
package socialapi

import (
	"encoding/json"
	"net/http"

	"kurz"
	"kurz/apidoc"
	"kurz/region"
	"kurz/social"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Auth returns the signed-in person and their home region (an
	// EUnauthorized error when nobody is signed in).
	Auth func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)
}

// Relation is the answer of a block, unblock, mute or unmute: the
// person's handle and whether the viewer now blocks or mutes them.
type Relation struct {
	Handle  string `json:"handle"`
	Blocked bool   `json:"blocked"`
	Muted   bool   `json:"muted"`
}

// List is the signed-in person's blocks and mutes.
type List struct {
	Items []social.BlockJSON `json:"items"`
}

// Route is one route of this API: its mux pattern, handler and OpenAPI
// operation.
type Route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// Routes lists this API's routes.
func (h *Handlers) Routes() []Route {
	const req = apidoc.Required
	return []Route{
		{"PUT /api/v1/users/{handle}/block", h.Block, apidoc.Op{Summary: "Block a person: neither sees the other's profile, videos or comments, follows, comments on or mentions the other; follows both ways end", Auth: req, Out: Relation{}}},
		{"DELETE /api/v1/users/{handle}/block", h.Block, apidoc.Op{Summary: "Unblock a person (no follow comes back)", Auth: req, Out: Relation{}}},
		{"PUT /api/v1/users/{handle}/mute", h.Mute, apidoc.Op{Summary: "Mute a person: their videos leave your feeds and their comments your comment lists; they are not told", Auth: req, Out: Relation{}}},
		{"DELETE /api/v1/users/{handle}/mute", h.Mute, apidoc.Op{Summary: "Unmute a person", Auth: req, Out: Relation{}}},
		{"GET /api/v1/me/blocks", h.List, apidoc.Op{Summary: "The people the signed-in person blocked and muted, oldest first", Auth: req, Out: List{}}},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// Block answers PUT and DELETE /api/v1/users/{handle}/block.
func (h *Handlers) Block(w http.ResponseWriter, r *http.Request) { h.set(w, r, kurz.BlockKind) }

// Mute answers PUT and DELETE /api/v1/users/{handle}/mute.
func (h *Handlers) Mute(w http.ResponseWriter, r *http.Request) { h.set(w, r, kurz.MuteKind) }

func (h *Handlers) set(w http.ResponseWriter, r *http.Request, kind string) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	handle := r.PathValue("handle")
	if err := c.Social.SetBlock(r.Context(), p, handle, kind, r.Method == http.MethodPut); err != nil {
		h.Error(w, r, err)
		return
	}
	out := Relation{Handle: handle}
	if target, err := c.Social.ProfileByHandle(r.Context(), nil, handle); err == nil {
		out.Handle = target.Handle
		out.Blocked, out.Muted = c.Social.BlockState(r.Context(), p, target.ID)
	}
	writeJSON(w, http.StatusOK, out)
}

// List answers GET /api/v1/me/blocks.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	items, err := c.Social.Blocks(r.Context(), p)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List{Items: items})
}

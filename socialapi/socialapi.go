// Package socialapi is the HTTP side of likes of videos, follows (and
// follow requests to private accounts), blocks and mutes: handlers the
// front door (httpapi) mounts, given how it finds the signed-in person,
// limits them and writes errors. What a like, a follow, a block or a
// mute does is decided in social and policy; this package only answers.
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
	// Likes is the per-person rate limit of likes and follows (nil
	// error: allowed).
	Likes func(*kurz.Profile) error
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

// Like is a video's like count and the caller's like after a change.
type Like struct {
	Likes int64 `json:"likes"`
	Liked bool  `json:"liked"`
}

// Follow is a person's follower count and the caller's follow after a change.
type Follow struct {
	Followers int64 `json:"followers"`
	Following bool  `json:"following"`
	// Requested: a private account's owner approves a follow first.
	Requested bool `json:"requested"`
}

// FollowerList is a private account's pending follow requests or its
// approved followers.
type FollowerList struct {
	Items []social.FollowRequestJSON `json:"items"`
}

// FollowerAnswer says what was done with a follower: approve, refuse or
// remove.
type FollowerAnswer struct {
	Handle string `json:"handle"`
	Done   string `json:"done"`
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
		{"PUT /api/v1/videos/{id}/like", h.like, apidoc.Op{Summary: "Like a video", Auth: req, Out: Like{}}},
		{"DELETE /api/v1/videos/{id}/like", h.like, apidoc.Op{Summary: "Take a like back", Auth: req, Out: Like{}}},
		{"PUT /api/v1/users/{handle}/follow", h.follow, apidoc.Op{Summary: "Follow a person", Auth: req, Out: Follow{}}},
		{"DELETE /api/v1/users/{handle}/follow", h.follow, apidoc.Op{Summary: "Unfollow a person", Auth: req, Out: Follow{}}},
		{"GET /api/v1/me/followers", h.followers, apidoc.Op{Summary: "The signed-in person's pending follow requests (status=pending, the default) or approved followers (status=approved)", Auth: req, Query: []string{"status"}, Out: FollowerList{}}},
		{"POST /api/v1/me/followers/{handle}/{action}", h.answerFollower, apidoc.Op{Summary: "Approve or refuse a follow request (action: approve, refuse)", Auth: req, Out: FollowerAnswer{}}},
		{"DELETE /api/v1/me/followers/{handle}", h.answerFollower, apidoc.Op{Summary: "Remove a follower", Auth: req, Out: FollowerAnswer{}}},
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

func (h *Handlers) like(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err == nil {
		err = h.Likes(p)
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	n, err := c.Social.SetLike(r.Context(), p, r.PathValue("id"), r.Method == http.MethodPut)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Like{Likes: n, Liked: r.Method == http.MethodPut})
}

func (h *Handlers) follow(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err == nil {
		err = h.Likes(p)
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	n, requested, err := c.Social.SetFollow(r.Context(), p, r.PathValue("handle"), r.Method == http.MethodPut)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	// requested: a private account's owner approves a follow first.
	writeJSON(w, http.StatusOK, Follow{Followers: n, Following: r.Method == http.MethodPut, Requested: requested})
}

// followers lists the signed-in person's pending follow requests
// (?status=pending, the default) or approved followers (?status=approved).
func (h *Handlers) followers(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && status != "pending" && status != "approved" {
		h.Error(w, r, kurz.FieldError("status", "status must be pending or approved"))
		return
	}
	items, err := c.Social.FollowRequests(r.Context(), p, status == "approved")
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, FollowerList{Items: items})
}

// answerFollower approves or refuses a follow request, or removes a
// follower: POST …/approve, POST …/refuse, DELETE /api/v1/me/followers/{handle}.
func (h *Handlers) answerFollower(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	action := r.PathValue("action")
	if r.Method == http.MethodDelete {
		action = "remove"
	} else if action != "approve" && action != "refuse" {
		h.Error(w, r, kurz.ErrNotFound)
		return
	}
	if err := c.Social.AnswerFollower(r.Context(), p, r.PathValue("handle"), action); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, FollowerAnswer{Handle: r.PathValue("handle"), Done: action})
}

// Package commentapi is the HTTP side of comments: a video's comments
// (list, post, delete), replies, likes on comments and pinning: handlers
// the front door (httpapi) mounts, given how it finds the viewer, limits
// them and writes errors. Who may comment, reply, like or pin, and what is
// shown, is decided in social (and the policy it asks); this package only
// answers. It imports no concern but social.
package commentapi

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
	// Viewer returns the signed-in person (nil: anonymous) and the
	// region that answers them; Auth the same, but refuses anonymous
	// callers.
	Viewer func(*http.Request) (*kurz.Profile, *region.Region, error)
	Auth   func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Likes and Comments are the per-person rate limits of likes and of
	// comments (nil error: allowed).
	Likes, Comments func(*kurz.Profile) error
	// Decode reads a request's JSON body strictly.
	Decode func(http.ResponseWriter, *http.Request, any) error
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)
}

// CommentRequest is a new comment.
type CommentRequest struct {
	Text string `json:"text"`
}

// CommentPage is a page of comments; next_cursor is "" at the end.
type CommentPage struct {
	Items      []social.CommentJSON `json:"items"`
	NextCursor string               `json:"next_cursor"`
}

// Route is one route of the package, as httpapi's route table takes it.
type Route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// ReplyRequest is the body of a reply.
type ReplyRequest struct {
	Text string `json:"text"`
}

// ReplyPage is a page of replies, oldest first.
type ReplyPage struct {
	Items      []social.CommentJSON `json:"items"`
	NextCursor string               `json:"next_cursor"`
}

// LikeAnswer is a comment's like count and the caller's like after a
// like or an unlike.
type LikeAnswer struct {
	Likes int64 `json:"likes"`
	Liked bool  `json:"liked"`
}

// Routes lists the package's routes with their OpenAPI entries.
func (h *Handlers) Routes() []Route {
	const opt, req = apidoc.Optional, apidoc.Required
	return []Route{
		{"GET /api/v1/videos/{id}/comments", h.list, apidoc.Op{Summary: "A video's top-level comments, oldest first, the one its creator pinned first; each with its reply count", Auth: opt, Query: []string{"cursor"}, Out: CommentPage{}}},
		{"POST /api/v1/videos/{id}/comments", h.post, apidoc.Op{Summary: "Comment on a video", Auth: req, In: CommentRequest{}, Status: 201, Out: social.CommentJSON{}}},
		{"DELETE /api/v1/comments/{id}", h.delete, apidoc.Op{Summary: "Delete a comment (its author or the video's owner)", Auth: req, Status: 204}},
		{"GET /api/v1/comments/{id}/replies", h.replies, apidoc.Op{Summary: "The replies of a comment, oldest first (a reply's ID lists its thread)", Auth: opt, Query: []string{"cursor"}, Out: ReplyPage{}}},
		{"POST /api/v1/comments/{id}/replies", h.reply, apidoc.Op{Summary: "Reply to a comment or to a reply (one level: it joins the top-level comment)", Auth: req, In: ReplyRequest{}, Status: 201, Out: social.CommentJSON{}}},
		{"PUT /api/v1/comments/{id}/like", h.like, apidoc.Op{Summary: "Like a comment", Auth: req, Out: LikeAnswer{}}},
		{"DELETE /api/v1/comments/{id}/like", h.like, apidoc.Op{Summary: "Take a comment like back", Auth: req, Out: LikeAnswer{}}},
		{"PUT /api/v1/comments/{id}/pin", h.pin, apidoc.Op{Summary: "Pin a comment to the top of the video's comments (the video's creator; replaces the pinned one)", Auth: req, Out: social.CommentJSON{}}},
		{"DELETE /api/v1/comments/{id}/pin", h.pin, apidoc.Op{Summary: "Unpin a comment (the video's creator)", Auth: req, Out: social.CommentJSON{}}},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (h *Handlers) post(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err == nil {
		err = h.Comments(p)
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in CommentRequest
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	cm, err := c.Social.Comments.Post(r.Context(), p, r.PathValue("id"), in.Text)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, cm)
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Viewer(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	items, next, err := c.Social.Comments.List(r.Context(), p, r.PathValue("id"), r.URL.Query().Get("cursor"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if items == nil {
		items = []social.CommentJSON{}
	}
	writeJSON(w, http.StatusOK, CommentPage{Items: items, NextCursor: next})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := c.Social.Comments.Delete(r.Context(), p, r.PathValue("id")); err != nil {
		h.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) replies(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Viewer(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	items, next, err := c.Social.Comments.Replies(r.Context(), p, r.PathValue("id"), r.URL.Query().Get("cursor"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if items == nil {
		items = []social.CommentJSON{}
	}
	writeJSON(w, http.StatusOK, ReplyPage{Items: items, NextCursor: next})
}

func (h *Handlers) reply(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err == nil {
		err = h.Comments(p)
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in ReplyRequest
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	cm, err := c.Social.Comments.Reply(r.Context(), p, r.PathValue("id"), in.Text)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, cm)
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
	want := r.Method == http.MethodPut
	n, err := c.Social.Comments.SetLike(r.Context(), p, r.PathValue("id"), want)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, LikeAnswer{Likes: n, Liked: want})
}

func (h *Handlers) pin(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	cm, err := c.Social.Comments.Pin(r.Context(), p, r.PathValue("id"), r.Method == http.MethodPut)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cm)
}

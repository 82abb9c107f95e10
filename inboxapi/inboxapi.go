// Package inboxapi is the HTTP side of the inbox (notifications, their
// unread count and read state, the inbox switches), of "my reports" and
// of the appeal page's question (may I appeal this decision?): handlers
// the front door (httpapi) mounts, given how it finds the viewer, reads
// bodies and writes errors. What a notification says and who may appeal
// is decided in cell, social, replication and safety; this package only
// answers.
package inboxapi

import (
	"encoding/json"
	"net/http"

	"kurz"
	"kurz/cell"
	"kurz/link"
	"kurz/region"
	"kurz/safety"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Auth returns the signed-in person and their home region, or an
	// error (unauthorized).
	Auth func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Decode reads a JSON body strictly, as every API body is read.
	Decode func(http.ResponseWriter, *http.Request, any) error
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)
}

// Route is one route, for the front door's route table and document.
type Route struct {
	Pattern, Summary string
	H                http.HandlerFunc
	In, Out          any
}

// Inbox is the inbox page's answer.
type Inbox struct {
	Entries []*cell.InboxEntry `json:"entries"`
	Unread  int                `json:"unread"`
}

// Unread is the unread count.
type Unread struct {
	Unread int `json:"unread"`
}

// MarkRead names the notifications to mark read; none (or no body) marks
// all of them.
type MarkRead struct {
	IDs []string `json:"ids"`
}

// Notifications are a person's notifications one by one, newest first
// (the inbox groups them; this list does not).
type Notifications struct {
	Items []cell.Notification `json:"items"`
}

// Reports is "my reports".
type Reports struct {
	Reports []*safety.NoticeStatusJSON `json:"reports"`
}

// Routes lists the routes (all for signed-in people).
func (h *Handlers) Routes() []Route {
	return []Route{
		{"GET /api/v1/me/notifications", "Notifications, newest first", h.notifications, nil, Notifications{}},
		{"GET /api/v1/me/inbox", "The inbox: notifications newest first, likes of one video grouped, and the unread count", h.inbox, nil, Inbox{}},
		{"GET /api/v1/me/inbox/unread", "How many notifications are unread (the badge)", h.unread, nil, Unread{}},
		{"POST /api/v1/me/inbox/read", "Mark notifications read: the ids given, or all", h.markRead, MarkRead{}, Unread{}},
		{"GET /api/v1/me/inbox/settings", "The inbox switches: kinds on or off, and whether likes name me", h.settings, nil, cell.InboxSettingsJSON{}},
		{"PATCH /api/v1/me/inbox/settings", "Change the inbox switches", h.setSettings, cell.InboxSettingsJSON{}, cell.InboxSettingsJSON{}},
		{"GET /api/v1/me/reports", "The notices I filed, newest first, with status and statement of reasons", h.reports, nil, Reports{}},
		{"GET /api/v1/appeals/{decision_id}", "Whether I may appeal a decision, and if not why (own_decision, not_party, appeal_decision, closed)", h.appealInfo, nil, link.AppealInfoResponse{}},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// answer writes v, or the error.
func (h *Handlers) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handlers) inbox(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	out := &Inbox{}
	if out.Entries, err = c.Inbox.Entries(r.Context(), p); err == nil {
		out.Unread, err = c.Inbox.UnreadCount(r.Context(), p)
	}
	h.answer(w, r, out, err)
}

func (h *Handlers) notifications(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	list, err := c.Inbox.Notifications(r.Context(), p)
	h.answer(w, r, Notifications{Items: list}, err)
}

func (h *Handlers) unread(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	n, err := c.Inbox.UnreadCount(r.Context(), p)
	h.answer(w, r, Unread{n}, err)
}

func (h *Handlers) markRead(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in MarkRead
	if r.ContentLength != 0 {
		if err := h.Decode(w, r, &in); err != nil {
			h.Error(w, r, err)
			return
		}
	}
	if _, err := c.Inbox.MarkRead(r.Context(), p, in.IDs); err != nil {
		h.Error(w, r, err)
		return
	}
	n, err := c.Inbox.UnreadCount(r.Context(), p)
	h.answer(w, r, Unread{n}, err)
}

func (h *Handlers) settings(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	out, err := c.Inbox.Settings(r.Context(), p)
	h.answer(w, r, out, err)
}

func (h *Handlers) setSettings(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in cell.InboxSettingsJSON
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	out, err := c.Inbox.SetSettings(r.Context(), p, &in)
	h.answer(w, r, out, err)
}

func (h *Handlers) reports(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	list, err := c.Safety.MyReports(r.Context(), p)
	h.answer(w, r, Reports{list}, err)
}

func (h *Handlers) appealInfo(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	out, err := c.Appeals.AppealInfo(r.Context(), p, r.PathValue("decision_id"))
	h.answer(w, r, out, err)
}

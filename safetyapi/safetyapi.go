// Package safetyapi is the HTTP side of notice and action: notices filed
// by anyone and their receipts, the moderation queue (claim, decide,
// release), appeals, and the public export of statements of reasons.
// Its handlers are mounted by the front door (httpapi), which hands them
// how it finds the viewer and the region a staff tool works on, limits
// callers, reads bodies and writes errors. Who may report, claim, decide
// or appeal, and what a decision does, is decided in safety (and the
// roles it asks of cell.Staff); this package only answers. It imports no
// concern but safety.
package safetyapi

import (
	"encoding/json"
	"net/http"
	"time"

	"kurz"
	"kurz/apidoc"
	"kurz/auth"
	"kurz/guard"
	"kurz/region"
	"kurz/safety"
	"kurz/transparency"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Viewer returns the signed-in person (nil: anonymous) and the
	// region that answers them; Auth the same, but refuses anonymous
	// callers. Staff returns the signed-in person and the hosted region
	// named in the path ({region}): staff work on a region's data in
	// that region only.
	Viewer, Auth, Staff func(*http.Request) (*kurz.Profile, *region.Region, error)
	// Cells are the regions hosted here.
	Cells map[kurz.Region]*region.Region
	// Token is the request's bearer token or session cookie (a suspended
	// person's appeal token stands in for a session when they appeal);
	// Network is the caller's address as a rate-limit key.
	Token, Network func(*http.Request) string
	// Reports bounds notices per person or address; Appeals appeals per
	// person.
	Reports, Appeals *auth.Limiter
	// Decode reads a request's JSON body strictly.
	Decode func(http.ResponseWriter, *http.Request, any) error
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)
}

// Receipt is a notice's receipt: whoever holds it reads its status.
type Receipt struct {
	NoticeID   string    `json:"notice_id"`
	ReceivedAt time.Time `json:"received_at"`
	StatusURL  string    `json:"status_url"`
}

// Release is a queue item given back.
type Release struct {
	Item *safety.Item `json:"item"`
}

// AppealRequest appeals a decision.
type AppealRequest struct {
	DecisionID  string `json:"decision_id"`
	Explanation string `json:"explanation"`
	// PersonID, with an appeal token in place of the session: a
	// suspended person's appeal (the refused sign-in gave both).
	PersonID string `json:"person_id,omitempty"`
}

// Appeal is a filed appeal.
type Appeal struct {
	AppealID string `json:"appeal_id"`
}

// Route is one route of the package, as httpapi's route table takes it.
type Route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// Routes lists the package's routes with their OpenAPI entries.
func (h *Handlers) Routes() []Route {
	const opt, req = apidoc.Optional, apidoc.Required
	return []Route{
		{"POST /api/v1/reports", h.report, apidoc.Op{Summary: "File a notice (anyone)", Auth: opt, In: safety.NoticeInput{}, Status: 201, Out: Receipt{}}},
		{"GET /api/v1/reports/{id}", h.reportStatus, apidoc.Op{Summary: "A notice's status, for whoever holds its receipt", Out: safety.NoticeStatusJSON{}}},
		{"GET /api/v1/moderation/{region}/queue", h.queue, apidoc.Op{Summary: "A page of the moderation queue", Auth: req, Query: []string{"cursor", "limit"}, Out: safety.QueuePage{}}},
		{"POST /api/v1/moderation/{region}/items/{id}/claim", h.claim, apidoc.Op{Summary: "Claim a queue item", Auth: req, Out: safety.ItemView{}}},
		{"POST /api/v1/moderation/{region}/items/{id}/decide", h.decide, apidoc.Op{Summary: "Decide a claimed item; answers the statement of reasons", Auth: req, In: safety.DecisionInput{}, Status: 201, Out: transparency.Statement{}}},
		{"POST /api/v1/moderation/{region}/items/{id}/release", h.release, apidoc.Op{Summary: "Give a claimed item back (its claimer or an admin)", Auth: req, Out: Release{}}},
		{"POST /api/v1/appeals", h.appeal, apidoc.Op{Summary: "Appeal a decision", Auth: req, In: AppealRequest{}, Status: 201, Out: Appeal{}}},
		{"GET /api/v1/transparency/statements", h.transparency, apidoc.Op{Summary: "Statements of reasons, oldest first, without personal data", Query: []string{"from", "to", "cursor", "limit"}, Out: transparency.StatementPage{}}},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// report files a notice; anyone may, signed in or not.
func (h *Handlers) report(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Viewer(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	key := "ip:" + h.Network(r)
	if p != nil {
		key = "person:" + p.ID
	}
	if ok, wait := h.Reports.Allow(key); !ok {
		h.Error(w, r, guard.RateLimited(wait))
		return
	}
	var in safety.NoticeInput
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	id, err := c.Safety.FileNotice(r.Context(), p, key, in)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Receipt{NoticeID: id, ReceivedAt: time.Now().UTC(), StatusURL: "/api/v1/reports/" + id})
}

// reportStatus shows a notice's status to whoever holds its receipt.
func (h *Handlers) reportStatus(w http.ResponseWriter, r *http.Request) {
	for _, c := range h.Cells {
		out, err := c.Safety.NoticeStatus(r.Context(), r.PathValue("id"))
		if kurz.ErrorCode(err) == kurz.ENotFound {
			continue
		}
		if err != nil {
			h.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	h.Error(w, r, kurz.ErrNotFound)
}

// queue serves a page of a region's moderation queue:
// ?cursor=&limit= (default 50, at most 200).
func (h *Handlers) queue(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	var page *safety.QueuePage
	if err == nil {
		page, err = c.Safety.Queue(r.Context(), p, r.URL.Query().Get("cursor"), r.URL.Query().Get("limit"))
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// release gives a claimed item back to the queue (its claimer or an
// admin of the region).
func (h *Handlers) release(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	var it *safety.Item
	if err == nil {
		it, err = c.Safety.Release(r.Context(), p, r.PathValue("id"))
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Release{Item: it})
}

func (h *Handlers) claim(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	view, err := c.Safety.Claim(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

func (h *Handlers) decide(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in safety.DecisionInput
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	st, err := c.Safety.Decide(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

func (h *Handlers) appeal(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	var in AppealRequest
	if derr := h.Decode(w, r, &in); err == nil && derr != nil {
		err = derr
	}
	if kurz.ErrorCode(err) == kurz.EUnauthorized && in.PersonID != "" {
		// A suspended person has no session: the appeal token their
		// refused sign-in gave them stands in for it, here only.
		if region, terr := auth.TokenRegion(h.Token(r)); terr == nil && h.Cells[region] != nil {
			c = h.Cells[region]
			p, err = c.Accounts.AppealAs(r.Context(), h.Token(r), in.PersonID)
		}
	}
	if err == nil {
		if ok, wait := h.Appeals.Allow(p.ID); !ok {
			err = guard.RateLimited(wait)
		}
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	id, err := c.Appeals.Appeal(r.Context(), p, in.DecisionID, in.Explanation)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Appeal{AppealID: id})
}

// transparency exports a page of the statements of reasons of the hosted
// regions, oldest first, in the EU transparency database's field names,
// without personal data: ?from=&to=&cursor=&limit= (default 100, at most
// 1000). The pages of the regions are merged in one order, so one cursor
// pages through all of them.
func (h *Handlers) transparency(w http.ResponseWriter, r *http.Request) {
	from, to := time.Time{}, time.Now().Add(time.Hour)
	if v := r.URL.Query().Get("from"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			h.Error(w, r, kurz.FieldError("from", "from must be a date like 2026-01-31"))
			return
		}
		from = t
	}
	if v := r.URL.Query().Get("to"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			h.Error(w, r, kurz.FieldError("to", "to must be a date like 2026-12-31"))
			return
		}
		to = t
	}
	var pages []*transparency.StatementPage
	for _, c := range h.Cells {
		page, err := transparency.Statements(r.Context(), c.Store, from, to, r.URL.Query().Get("cursor"), r.URL.Query().Get("limit"))
		if err != nil {
			h.Error(w, r, err)
			return
		}
		pages = append(pages, page)
	}
	writeJSON(w, http.StatusOK, transparency.MergeStatementPages(pages))
}

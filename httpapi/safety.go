package httpapi

import (
	"net/http"
	"time"

	"kurz"
	"kurz/apijson"
	"kurz/auth"
	"kurz/safety"
	"kurz/transparency"
)

// report files a notice; anyone may, signed in or not.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	key := "ip:" + auth.IPKey(s.clientIP(r))
	if p != nil {
		key = "person:" + p.ID
	}
	if ok, wait := s.reports.Allow(key); !ok {
		s.error(w, r, rateLimited(wait))
		return
	}
	var in safety.NoticeInput
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	id, err := c.Safety.FileNotice(r.Context(), p, key, in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, apijson.Receipt{NoticeID: id, ReceivedAt: time.Now().UTC(), StatusURL: "/api/v1/reports/" + id})
}

// reportStatus shows a notice's status to whoever holds its receipt.
func (s *Server) reportStatus(w http.ResponseWriter, r *http.Request) {
	for _, c := range s.Cells {
		out, err := c.Safety.NoticeStatus(r.Context(), r.PathValue("id"))
		if kurz.ErrorCode(err) == kurz.ENotFound {
			continue
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.error(w, r, kurz.ErrNotFound)
}

// modQueue serves a page of a region's moderation queue:
// ?cursor=&limit= (default 50, at most 200).
func (s *Server) modQueue(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	var page *safety.QueuePage
	if err == nil {
		page, err = c.Safety.Queue(r.Context(), p, r.URL.Query().Get("cursor"), r.URL.Query().Get("limit"))
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// modRelease gives a claimed item back to the queue (its claimer or an
// admin of the region).
func (s *Server) modRelease(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	var it *safety.Item
	if err == nil {
		it, err = c.Safety.Release(r.Context(), p, r.PathValue("id"))
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.Release{Item: it})
}

func (s *Server) modClaim(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	view, err := c.Safety.Claim(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) modDecide(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in safety.DecisionInput
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	st, err := c.Safety.Decide(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

func (s *Server) appeal(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	var in apijson.AppealRequest
	if derr := decode(w, r, &in); err == nil && derr != nil {
		err = derr
	}
	if kurz.ErrorCode(err) == kurz.EUnauthorized && in.PersonID != "" {
		// A suspended person has no session: the appeal token their
		// refused sign-in gave them stands in for it, here only.
		if region, terr := auth.TokenRegion(token(r)); terr == nil && s.Cells[region] != nil {
			c = s.Cells[region]
			p, err = c.Accounts.AppealAs(r.Context(), token(r), in.PersonID)
		}
	}
	if err == nil {
		err = limit(s.appeals, p)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	id, err := c.Appeals.Appeal(r.Context(), p, in.DecisionID, in.Explanation)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, apijson.Appeal{AppealID: id})
}

// transparency exports a page of the statements of reasons of the hosted
// regions, oldest first, in the EU transparency database's field names,
// without personal data: ?from=&to=&cursor=&limit= (default 100, at most
// 1000). The pages of the regions are merged in one order, so one cursor
// pages through all of them.
func (s *Server) transparency(w http.ResponseWriter, r *http.Request) {
	from, to := time.Time{}, time.Now().Add(time.Hour)
	if v := r.URL.Query().Get("from"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			s.error(w, r, kurz.FieldError("from", "from must be a date like 2026-01-31"))
			return
		}
		from = t
	}
	if v := r.URL.Query().Get("to"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			s.error(w, r, kurz.FieldError("to", "to must be a date like 2026-12-31"))
			return
		}
		to = t
	}
	var pages []*transparency.StatementPage
	for _, c := range s.Cells {
		page, err := transparency.Statements(r.Context(), c.Store, from, to, r.URL.Query().Get("cursor"), r.URL.Query().Get("limit"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		pages = append(pages, page)
	}
	writeJSON(w, http.StatusOK, transparency.MergeStatementPages(pages))
}

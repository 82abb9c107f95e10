package httpapi

import (
	"net/http"
	"time"

	"kurz"
	"kurz/apijson"
	"kurz/cell"
	"kurz/region"
)

func (s *Server) requestExport(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The request has no fields; a body, if sent, must say nothing else.
	if r.ContentLength != 0 {
		var in struct{}
		if err := decode(w, r, &in); err != nil {
			s.error(w, r, err)
			return
		}
	}
	e, err := c.Privacy.RequestExport(r.Context(), p)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apijson.Export{ID: e.ID, Status: e.Status, ExpiresAt: e.ExpiresAt})
}

func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// Check first, so errors still get the JSON shape.
	if e, err := c.Store.ExportByID(r.Context(), r.PathValue("id")); err != nil || e.UserID != p.ID || e.Status != "ready" {
		s.error(w, r, kurz.ErrNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="kurz-export.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := c.Privacy.OpenExport(r.Context(), p, r.PathValue("id"), w); err != nil {
		s.Log.Error("export download", "err", err)
	}
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, err := c.Inbox.Notifications(r.Context(), p)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apijson.Notifications{Items: list})
}

// deleteMe asks for erasure: it needs the password again, and can be
// cancelled during the grace period.
func (s *Server) deleteMe(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in apijson.Password
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	// Confirming erasure checks a password: the same throttles as sign-in.
	if err := s.checkIP(r); err != nil {
		s.error(w, r, err)
		return
	}
	var at time.Time
	err = s.checkPassword(w, r, p.ID, func() (err error) {
		at, err = c.Privacy.RequestErasure(r.Context(), p, in.Password)
		return err
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apijson.Erasure{EraseAt: at, Cancel: "POST /api/v1/me/erasure/cancel"})
}

func (s *Server) cancelErasure(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Privacy.CancelErasure(r.Context(), p); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// staffCell returns the hosted cell named in the path, for staff tools:
// staff work on a region's data only in that region.
func (s *Server) staffCell(r *http.Request) (*kurz.Profile, *region.Region, error) {
	p, err := s.viewer(r)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return nil, nil, kurz.Errorf(kurz.EUnauthorized, "please sign in")
	}
	c, ok := s.Cells[kurz.Region(r.PathValue("region"))]
	if !ok {
		return nil, nil, kurz.ErrNotFound
	}
	return p, c, nil
}

func (s *Server) staffPersonal(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in apijson.Reason
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	out, err := c.Privacy.LookAtPersonalData(r.Context(), p, r.PathValue("handle"), in.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) staffAudit(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Staff.Require(r.Context(), p, "only privacy officers and admins of "+string(c.Region)+" may read its audit log", cell.RolePrivacy, cell.RoleAdmin); err != nil {
		s.error(w, r, err)
		return
	}
	entries, err := c.Store.AuditEntries(r.Context(), r.URL.Query().Get("subject"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	n, verr := c.Staff.VerifyAudit(r.Context())
	verified := verr == nil
	writeJSON(w, http.StatusOK, apijson.Audit{Entries: entries, Verified: verified, VerifiedEntries: n})
}

// grantRole lets an admin of a region grant a staff role there; the grant
// is audited.
func (s *Server) grantRole(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.staffCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Staff.Require(r.Context(), p, "only admins of "+string(c.Region)+" may grant roles there", cell.RoleAdmin); err != nil {
		s.error(w, r, err)
		return
	}
	var in apijson.GrantRequest
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	handle, err := kurz.NormalizeHandle(in.Handle)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The handle directory knows everyone, also people whose profile has
	// not reached this region's catalogue yet.
	id, err := c.Accounts.ResolveHandle(r.Context(), handle)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Staff.Grant(r.Context(), p.ID, id, in.Role); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, apijson.Grant{UserID: id, Handle: handle, Role: in.Role, Region: string(c.Region)})
}

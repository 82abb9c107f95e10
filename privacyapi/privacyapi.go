// Package privacyapi is the HTTP side of a person's data rights and of
// staff access to personal data: the data export (ask, download) and
// erasure (ask with the password, cancel in the grace period); the
// staff's audited look at a person's personal data, the region's access
// audit log, and the grants of staff roles. Its handlers are mounted by
// the front door (httpapi), which hands them how it finds the signed-in
// person and the region a staff tool works on, throttles password
// checks, reads bodies and writes errors. Who may do what is decided in
// privacy, accounts and cell.Staff (every staff check goes through
// Staff.Require); this package only answers.
package privacyapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"kurz"
	"kurz/apidoc"
	"kurz/cell"
	"kurz/privacy"
	"kurz/region"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Auth returns the signed-in person and their home region (an
	// EUnauthorized error when nobody is signed in). Staff returns the
	// signed-in person and the hosted region named in the path
	// ({region}): staff work on a region's data in that region only.
	Auth, Staff func(*http.Request) (*kurz.Profile, *region.Region, error)
	// CheckIP counts a password attempt of the caller's address;
	// CheckPassword runs a password check under the sign-in throttles.
	CheckIP       func(*http.Request) error
	CheckPassword func(w http.ResponseWriter, r *http.Request, account string, check func() error) error
	// Decode reads a request's JSON body strictly.
	Decode func(http.ResponseWriter, *http.Request, any) error
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)
	// Log is told of an export download that broke off.
	Log *slog.Logger
}

// Export is an export being made; GET /api/v1/me/exports/{id}
// downloads it once ready (a notification says when).
type Export struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Password confirms a request with the password again.
type Password struct {
	Password string `json:"password"`
}

// Erasure says when the erasure happens and how to cancel it before.
type Erasure struct {
	EraseAt time.Time `json:"erase_at"`
	Cancel  string    `json:"cancel"`
}

// Reason is why staff look at personal data; it goes to the audit log.
type Reason struct {
	Reason string `json:"reason"`
}

// Audit is the access audit log; verified says its hash chain holds
// for its first verified_entries entries.
type Audit struct {
	Entries         []*kurz.AuditEntry `json:"entries"`
	Verified        bool               `json:"verified"`
	VerifiedEntries int                `json:"verified_entries"`
}

// GrantRequest grants a staff role to a person by handle.
type GrantRequest struct {
	Handle string `json:"handle"`
	Role   string `json:"role"`
}

// Grant is a granted role.
type Grant struct {
	UserID string `json:"user_id"`
	Handle string `json:"handle"`
	Role   string `json:"role"`
	Region string `json:"region"`
}

// Route is one route of the package, as httpapi's route table takes it.
type Route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// Routes lists the package's routes with their OpenAPI entries.
func (h *Handlers) Routes() []Route {
	const req = apidoc.Required
	return []Route{
		{"POST /api/v1/me/export", h.requestExport, apidoc.Op{Summary: "Ask for a data export (an empty object or no body)", Auth: req, In: struct{}{}, InOptional: true, Status: 202, Out: Export{}}},
		{"GET /api/v1/me/exports/{id}", h.downloadExport, apidoc.Op{Summary: "Download a ready export", Auth: req, Out: apidoc.Raw("application/zip")}},
		{"DELETE /api/v1/me", h.deleteMe, apidoc.Op{Summary: "Ask for erasure (cancellable during the grace period)", Auth: req, In: Password{}, Status: 202, Out: Erasure{}}},
		{"POST /api/v1/me/erasure/cancel", h.cancelErasure, apidoc.Op{Summary: "Cancel a pending erasure", Auth: req, Status: 204}},
		{"POST /api/v1/admin/regions/{region}/people/{handle}/personal", h.staffPersonal, apidoc.Op{Summary: "Staff look at a person's personal data, for a reason (audited)", Auth: req, In: Reason{}, Out: privacy.PersonalView{}}},
		{"GET /api/v1/admin/regions/{region}/audit", h.staffAudit, apidoc.Op{Summary: "The region's access audit log", Auth: req, Query: []string{"subject"}, Out: Audit{}}},
		{"POST /api/v1/admin/regions/{region}/roles", h.grantRole, apidoc.Op{Summary: "Grant a staff role (admins)", Auth: req, In: GrantRequest{}, Status: 201, Out: Grant{}}},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (h *Handlers) requestExport(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	// The request has no fields; a body, if sent, must say nothing else.
	if r.ContentLength != 0 {
		var in struct{}
		if err := h.Decode(w, r, &in); err != nil {
			h.Error(w, r, err)
			return
		}
	}
	e, err := c.Privacy.RequestExport(r.Context(), p)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, Export{ID: e.ID, Status: e.Status, ExpiresAt: e.ExpiresAt})
}

func (h *Handlers) downloadExport(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	// Check first, so errors still get the JSON shape.
	if e, err := c.Store.ExportByID(r.Context(), r.PathValue("id")); err != nil || e.UserID != p.ID || e.Status != "ready" {
		h.Error(w, r, kurz.ErrNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="kurz-export.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := c.Privacy.OpenExport(r.Context(), p, r.PathValue("id"), w); err != nil {
		h.Log.Error("export download", "err", err)
	}
}

// deleteMe asks for erasure: it needs the password again, and can be
// cancelled during the grace period.
func (h *Handlers) deleteMe(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in Password
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	// Confirming erasure checks a password: the same throttles as sign-in.
	if err := h.CheckIP(r); err != nil {
		h.Error(w, r, err)
		return
	}
	var at time.Time
	err = h.CheckPassword(w, r, p.ID, func() (err error) {
		at, err = c.Privacy.RequestErasure(r.Context(), p, in.Password)
		return err
	})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, Erasure{EraseAt: at, Cancel: "POST /api/v1/me/erasure/cancel"})
}

func (h *Handlers) cancelErasure(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := c.Privacy.CancelErasure(r.Context(), p); err != nil {
		h.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) staffPersonal(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in Reason
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	out, err := c.Privacy.LookAtPersonalData(r.Context(), p, r.PathValue("handle"), in.Reason)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handlers) staffAudit(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := c.Staff.Require(r.Context(), p, "only privacy officers and admins of "+string(c.Region)+" may read its audit log", cell.RolePrivacy, cell.RoleAdmin); err != nil {
		h.Error(w, r, err)
		return
	}
	entries, err := c.Store.AuditEntries(r.Context(), r.URL.Query().Get("subject"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	n, verr := c.Staff.VerifyAudit(r.Context())
	verified := verr == nil
	writeJSON(w, http.StatusOK, Audit{Entries: entries, Verified: verified, VerifiedEntries: n})
}

// grantRole lets an admin of a region grant a staff role there; the grant
// is audited.
func (h *Handlers) grantRole(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Staff(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := c.Staff.Require(r.Context(), p, "only admins of "+string(c.Region)+" may grant roles there", cell.RoleAdmin); err != nil {
		h.Error(w, r, err)
		return
	}
	var in GrantRequest
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	handle, err := kurz.NormalizeHandle(in.Handle)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	// The handle directory knows everyone, also people whose profile has
	// not reached this region's catalogue yet.
	id, err := c.Accounts.ResolveHandle(r.Context(), handle)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := c.Staff.Grant(r.Context(), p.ID, id, in.Role); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Grant{UserID: id, Handle: handle, Role: in.Role, Region: string(c.Region)})
}

// Package settingsapi serves the HTTP API of a person's settings: their
// switches (feed, private account, likes, who may comment), their
// sessions (list, end one, sign out everywhere), their password, and
// their profile picture (upload, remove, and serving it to everyone who
// may see the profile: from its home region, or from another region's
// edge when the profile is public). The rules live in packages accounts
// and social (and avatar, which makes a picture of an upload); this
// package reads requests and answers in the API's one error shape. It
// imports no other HTTP package: httpapi hands it a Door.
package settingsapi

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"kurz"
	"kurz/accounts"
	"kurz/apidoc"
	"kurz/apijson"
	"kurz/avatar"
	"kurz/cell"
	"kurz/edge"
	"kurz/media"
	"kurz/region"
)

// Door is what the API server offers these handlers.
type Door interface {
	// Authenticate returns the signed-in person, their region and their
	// session token.
	Authenticate(r *http.Request) (*kurz.Profile, *region.Region, string, error)
	Error(w http.ResponseWriter, r *http.Request, err error)
	ReadJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error)
	// Cell is a region hosted here, or nil; Entry the region this
	// process answers for first.
	Cell(r kurz.Region) *region.Region
	Entry() *region.Region
	// CheckIP and CheckPassword apply the sign-in throttles to a password
	// check.
	CheckIP(r *http.Request) error
	CheckPassword(w http.ResponseWriter, r *http.Request, account string, check func() error) error
}

// Handlers serves the routes.
type Handlers struct {
	D Door
	// Edge caches other regions' public media; Peers are the base URLs
	// of regions hosted by other processes. Media says how files are
	// served.
	Edge  *edge.Cache
	Peers map[kurz.Region]string
	Media media.Options
}

// Route is one route of this API, for the front door's route table.
type Route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// Settings are a person's switches (see apijson.Settings).
type Settings = apijson.Settings

// View is what the settings page shows: the switches, the profile's
// editable fields and picture, the data exports (newest first; a ready
// one downloads at /api/v1/me/exports/{id}) and, while an erasure is
// pending, when it will run (it can be cancelled until then).
type View struct {
	Settings
	DisplayName string       `json:"display_name"`
	Bio         string       `json:"bio"`
	AvatarURL   string       `json:"avatar_url"`
	Exports     []ExportItem `json:"exports"`
	EraseAt     *time.Time   `json:"erase_at,omitempty"`
}

// ExportItem is one data export.
type ExportItem struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Sessions is the list of a person's sessions.
type Sessions struct {
	Items []accounts.SessionInfo `json:"items"`
}

// PasswordChange changes the password; every other session ends.
type PasswordChange struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// Avatar is the address of a profile picture.
type Avatar struct {
	AvatarURL string `json:"avatar_url"`
}

// Routes lists this API's routes.
func (h *Handlers) Routes() []Route {
	const req = apidoc.Required
	return []Route{
		{"GET /api/v1/me/settings", h.getSettings, apidoc.Op{Summary: "The signed-in person's settings, profile fields, exports and pending erasure", Auth: req, Out: View{}}},
		{"PATCH /api/v1/me/settings", h.patchSettings, apidoc.Op{Summary: "Change settings (fields left out stay)", Auth: req, In: Settings{}, Out: View{}}},
		{"GET /api/v1/me/sessions", h.sessions, apidoc.Op{Summary: "The signed-in person's sessions: device, sign-in, last use", Auth: req, Out: Sessions{}}},
		{"DELETE /api/v1/me/sessions/{id}", h.endSession, apidoc.Op{Summary: "End one of the person's sessions", Auth: req, Status: 204}},
		{"DELETE /api/v1/me/sessions", h.endAll, apidoc.Op{Summary: "Sign out everywhere, this session included", Auth: req, Status: 204}},
		{"POST /api/v1/me/password", h.changePassword, apidoc.Op{Summary: "Change the password; every other session ends", Auth: req, In: PasswordChange{}, Status: 204}},
		{"PUT /api/v1/me/avatar", h.putAvatar, apidoc.Op{Summary: "Upload a profile picture (JPEG, PNG or WebP, at most 10 MB; x, y, side: the square to keep, else the centre)",
			Auth: req, Query: []string{"x", "y", "side"}, In: apidoc.Raw("image/*"), Out: Avatar{}}},
		{"DELETE /api/v1/me/avatar", h.deleteAvatar, apidoc.Op{Summary: "Remove the profile picture", Auth: req, Status: 204}},
		{"GET /avatars/{id}/{file}", h.serveAvatar, apidoc.Op{Summary: "A profile picture (its URL is a profile's avatar_url)", Auth: apidoc.Public,
			Headers: []string{"If-None-Match"}, Out: apidoc.Raw("image/jpeg"), Also: []int{304}, NoError: true}},
	}
}

// authenticate returns the signed-in person, their home region (hosted
// here: the front door forwards a person's API requests home) and token.
func (h *Handlers) authenticate(w http.ResponseWriter, r *http.Request) (*kurz.Profile, *region.Region, string, bool) {
	p, c, token, err := h.D.Authenticate(r)
	if err == nil && c.Region != p.Region() {
		err = kurz.Errorf(kurz.EUnavailable, "this is served by your home region's own server")
	}
	if err != nil {
		h.D.Error(w, r, err)
		return nil, nil, "", false
	}
	return p, c, token, true
}

func (h *Handlers) getSettings(w http.ResponseWriter, r *http.Request) {
	p, c, _, ok := h.authenticate(w, r)
	if ok {
		h.writeSettings(w, r, p, c)
	}
}

func (h *Handlers) writeSettings(w http.ResponseWriter, r *http.Request, p *kurz.Profile, c *region.Region) {
	ctx := r.Context()
	off, err := c.Feed.OptOut(ctx, p)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	private, err := c.Social.Private(ctx, p)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	pr, err := c.Accounts.PrivacySettings(ctx, p)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	// Whether one's likes name one is the inbox's switch (cell.InboxSettings),
	// which the notes of likes read; this page shows and sets the same one.
	inbox, err := c.Inbox.Settings(ctx, p)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	on := !off
	out := View{Settings: Settings{PersonalizedFeed: &on, PrivateAccount: &private, ShowLikes: inbox.ShowLikes, CommentsFrom: &pr.CommentsFrom},
		Exports: []ExportItem{}}
	prof, err := c.Store.ProfileByID(ctx, p.ID)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	out.DisplayName, out.Bio, out.AvatarURL = prof.DisplayName, prof.Bio, kurz.AvatarURL(prof.ID, prof.Avatar)
	ids, err := c.Store.ExportsOf(ctx, p.ID)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	for _, id := range ids {
		if e, err := c.Store.ExportByID(ctx, id); err == nil && e.ExpiresAt.After(time.Now()) {
			out.Exports = append(out.Exports, ExportItem{ID: e.ID, Status: e.Status, CreatedAt: e.CreatedAt, ExpiresAt: e.ExpiresAt})
		}
	}
	sort.Slice(out.Exports, func(i, j int) bool { return out.Exports[i].CreatedAt.After(out.Exports[j].CreatedAt) })
	if at, err := c.Store.Erasure(ctx, p.ID); err == nil {
		out.EraseAt = &at
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handlers) patchSettings(w http.ResponseWriter, r *http.Request) {
	p, c, _, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	var in Settings
	if _, err := h.D.ReadJSON(w, r, &in); err != nil {
		h.D.Error(w, r, err)
		return
	}
	ctx := r.Context()
	var err error
	if in.PersonalizedFeed != nil {
		err = c.Feed.SetOptOut(ctx, p, !*in.PersonalizedFeed)
	}
	if err == nil && in.PrivateAccount != nil {
		err = c.Social.SetPrivate(ctx, p, *in.PrivateAccount)
	}
	if err == nil && in.ShowLikes != nil {
		_, err = c.Inbox.SetSettings(ctx, p, &cell.InboxSettingsJSON{ShowLikes: in.ShowLikes})
	}
	if err == nil && in.CommentsFrom != nil {
		err = c.Accounts.SetPrivacySettings(ctx, p, nil, in.CommentsFrom)
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	h.writeSettings(w, r, p, c)
}

func (h *Handlers) sessions(w http.ResponseWriter, r *http.Request) {
	p, c, token, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	list, err := c.Accounts.ListSessions(r.Context(), p, token)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Sessions{Items: list})
}

func (h *Handlers) endSession(w http.ResponseWriter, r *http.Request) {
	p, c, _, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	if err := c.Accounts.EndSessionByID(r.Context(), p, r.PathValue("id")); err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) endAll(w http.ResponseWriter, r *http.Request) {
	p, c, _, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	if err := c.Accounts.EndAllSessions(r.Context(), p); err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changePassword checks the current password under the sign-in
// throttles (every endpoint that checks a password is a login endpoint).
func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	p, c, token, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	var in PasswordChange
	if _, err := h.D.ReadJSON(w, r, &in); err != nil {
		h.D.Error(w, r, err)
		return
	}
	err := h.D.CheckIP(r)
	if err == nil {
		err = h.D.CheckPassword(w, r, p.ID, func() error {
			return c.Accounts.ChangePassword(r.Context(), p, token, in.Current, in.New)
		})
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) putAvatar(w http.ResponseWriter, r *http.Request) {
	p, c, _, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	// A picture, never a form or JSON (a cross-site form cannot send
	// these types without the browser asking first).
	switch ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(strings.ToLower(ct)) {
	case "image/jpeg", "image/png", "image/webp":
	default:
		h.D.Error(w, r, kurz.FieldError("picture", "send the picture as image/jpeg, image/png or image/webp"))
		return
	}
	var crop avatar.Crop
	q := r.URL.Query()
	for _, f := range []struct {
		name string
		v    *int
	}{{"x", &crop.X}, {"y", &crop.Y}, {"side", &crop.Side}} {
		if s := q.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				h.D.Error(w, r, kurz.FieldError("crop", "the square to keep is given in whole pixels"))
				return
			}
			*f.v = n
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, avatar.MaxBytes+1))
	if err != nil {
		h.D.Error(w, r, &kurz.Error{Code: kurz.ETooLarge, Field: "picture", Message: "the picture is larger than 10 MB"})
		return
	}
	ver, err := c.Social.SetAvatar(r.Context(), p, data, crop)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Avatar{AvatarURL: kurz.AvatarURL(p.ID, ver)})
}

func (h *Handlers) deleteAvatar(w http.ResponseWriter, r *http.Request) {
	p, c, _, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	if err := c.Social.RemoveAvatar(r.Context(), p); err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var avatarFile = regexp.MustCompile(`^([0-9a-f]{16})\.jpg$`)

// serveAvatar serves a profile picture: in its home region if it is the
// person's current one and their profile is public (or the person asks),
// elsewhere through the edge when this region's catalogue holds the
// profile with that picture. Everything else is a plain 404.
func (h *Handlers) serveAvatar(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	m := avatarFile.FindStringSubmatch(file)
	reg, err := kurz.ParseID(id)
	if m == nil || err != nil {
		http.NotFound(w, r)
		return
	}
	ver := m[1]
	if c := h.D.Cell(reg); c != nil {
		visible := c.Social.AvatarVisible(r.Context(), nil, id, ver)
		if !visible {
			// The person themself, while their profile is not public.
			if p, _, _, err := h.D.Authenticate(r); err == nil {
				visible = c.Social.AvatarVisible(r.Context(), p, id, ver)
			}
		}
		if !visible {
			http.NotFound(w, r)
			return
		}
		o := h.Media
		o.Redirect, o.Plain = false, c.Social.OpenAvatar // sealed at rest: served through kurz
		media.Serve(w, r, c.Blobs, cell.AvatarKey(id, ver), "", o)
		return
	}
	origin := h.Peers[reg]
	pp, known := h.D.Entry().Index.Profile(id)
	if origin == "" || h.Edge == nil || !known || pp.Avatar != ver {
		http.NotFound(w, r)
		return
	}
	key, err := h.Edge.Avatar(r.Context(), origin, id, file)
	if kurz.ErrorCode(err) == kurz.ENotFound {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	o := h.Media
	o.Plain = nil
	media.Serve(w, r, h.Edge.Store, key, "", o)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

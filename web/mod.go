package web

import (
	"net/http"
	"net/url"
	"slices"

	"kurz"
)

// The moderator pages (queue, item, audit) and the public transparency
// table. They are shells: the scripts (src/mod.js) read and write through
// the moderation, admin and transparency API, which enforces the
// region-scoped staff roles. The pages themselves only insist on a signed-in
// viewer, so nobody's data passes through this package.

// defaultRegions are offered in the region select when Handler.Regions is
// empty; the script adds the regions GET /api/v1/regions reports as hosted.
var defaultRegions = []string{"eu", "us", "sg"}

// validRegion reports whether s is a well-formed region name.
func validRegion(s string) bool { return kurz.Region(s).Validate() == nil }

// toSignin sends a signed-out visitor to sign in and come back here.
func toSignin(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
}

// staffRegion picks the region a staff page works on: ?region= if it is a
// well-formed name, else the viewer's home region, else the first offered.
func (h *Handler) staffRegion(r *http.Request, v *Viewer) string {
	if q := r.URL.Query().Get("region"); validRegion(q) {
		return q
	}
	if v != nil && validRegion(v.Region) {
		return v.Region
	}
	return h.regionList()[0]
}

func (h *Handler) regionList() []string {
	if len(h.Regions) > 0 {
		return h.Regions
	}
	return defaultRegions
}

// regionOptions is the region select's list: the configured regions plus
// the current one and the viewer's own, each once.
func (h *Handler) regionOptions(v *Viewer, current string) []string {
	out := slices.Clone(h.regionList())
	for _, x := range []string{current, v.Region} {
		if validRegion(x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// staffPage renders one of the staff shells for region.
func (h *Handler) staffPage(w http.ResponseWriter, r *http.Request, v *Viewer, name, region, item string) {
	lang := pickLang(r)
	d := &pageData{Name: name, Lang: lang, Title: h.t(lang, name+".title"), Viewer: v, Robots: "noindex",
		Region: region, Regions: h.regionOptions(v, region), ItemID: item}
	d.Boot.Region, d.Boot.Item = region, item
	h.render(w, r, http.StatusOK, d)
}

// modQueue serves /mod?region=…: the region's moderation queue.
func (h *Handler) modQueue(w http.ResponseWriter, r *http.Request) {
	v := h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	h.staffPage(w, r, v, "mod", h.staffRegion(r, v), "")
}

// modItem serves /mod/item/{region}/{id}: the script claims the item, shows
// it and offers the decision form.
func (h *Handler) modItem(w http.ResponseWriter, r *http.Request) {
	v := h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	region, id := r.PathValue("region"), r.PathValue("id")
	if !validRegion(region) || !idRE.MatchString(id) {
		h.notFound(w, r)
		return
	}
	h.staffPage(w, r, v, "moditem", region, id)
}

// modAudit serves /mod/audit?region=…: the access audit log and the form
// for looking at a person's personal data (with a reason, audited).
func (h *Handler) modAudit(w http.ResponseWriter, r *http.Request) {
	v := h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	h.staffPage(w, r, v, "modaudit", h.staffRegion(r, v), "")
}

// transparency serves /transparency: the public table of statements of
// reasons (no personal data; the script reads the public export).
func (h *Handler) transparency(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	q := r.URL.Query()
	d := &pageData{Name: "transparency", Lang: lang, Title: h.t(lang, "transparency.title"), Viewer: h.b.Viewer(r)}
	if isDate(q.Get("from")) {
		d.From = q.Get("from")
	}
	if isDate(q.Get("to")) {
		d.To = q.Get("to")
	}
	h.render(w, r, http.StatusOK, d)
}

// isDate reports whether s looks like YYYY-MM-DD (the API checks it fully).
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range s {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

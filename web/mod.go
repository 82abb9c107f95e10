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

// modPages serves the moderator pages (queue, item, audit) of a Handler:
// shells for signed-in viewers, each working on one region, which a
// select offers to change.
type modPages struct{ h *Handler }

// region picks the region a staff page works on: ?region= if it is a
// well-formed name, else the viewer's home region, else the first offered.
func (m modPages) region(r *http.Request, v *Viewer) string {
	if q := r.URL.Query().Get("region"); validRegion(q) {
		return q
	}
	if v != nil && validRegion(v.Region) {
		return v.Region
	}
	return m.regions()[0]
}

func (m modPages) regions() []string {
	if len(m.h.Regions) > 0 {
		return m.h.Regions
	}
	return defaultRegions
}

// regionOptions is the region select's list: the configured regions plus
// the current one and the viewer's own, each once.
func (m modPages) regionOptions(v *Viewer, current string) []string {
	out := slices.Clone(m.regions())
	for _, x := range []string{current, v.Region} {
		if validRegion(x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// page renders one of the staff shells for region.
func (m modPages) page(w http.ResponseWriter, r *http.Request, v *Viewer, name, region, item string) {
	lang := pickLang(r)
	d := &pageData{Name: name, Lang: lang, Title: m.h.t(lang, name+".title"), Viewer: v, Robots: "noindex",
		Region: region, Regions: m.regionOptions(v, region), ItemID: item}
	d.Boot.Region, d.Boot.Item = region, item
	m.h.render(w, r, http.StatusOK, d)
}

// queue serves /mod?region=…: the region's moderation queue.
func (m modPages) queue(w http.ResponseWriter, r *http.Request) {
	v := m.h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	m.page(w, r, v, "mod", m.region(r, v), "")
}

// item serves /mod/item/{region}/{id}: the script claims the item, shows
// it and offers the decision form.
func (m modPages) item(w http.ResponseWriter, r *http.Request) {
	v := m.h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	region, id := r.PathValue("region"), r.PathValue("id")
	if !validRegion(region) || !idRE.MatchString(id) {
		m.h.notFound(w, r)
		return
	}
	m.page(w, r, v, "moditem", region, id)
}

// audit serves /mod/audit?region=…: the access audit log and the form
// for looking at a person's personal data (with a reason, audited).
func (m modPages) audit(w http.ResponseWriter, r *http.Request) {
	v := m.h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	m.page(w, r, v, "modaudit", m.region(r, v), "")
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

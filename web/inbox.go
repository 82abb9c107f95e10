package web

import "net/http"

// The pages of the inbox and of reports and appeals. Each is a shell
// whose script reads and writes the API (package inboxapi): /inbox
// (GET /api/v1/me/inbox), /reports (the notices a person filed; a
// signed-out notifier's receipts are kept in their browser), /reports/{id}
// (one receipt: its ID is the secret that shows it, so the page keeps it
// out of Referer) and /appeal/{id} (the appeal of a decision, linked from
// every statement of reasons).

func (h *Handler) reportsPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id != "" && !idRE.MatchString(id) {
		h.notFound(w, r)
		return
	}
	lang := pickLang(r)
	h.render(w, r, http.StatusOK, &pageData{Name: "reports", Lang: lang, Title: h.t(lang, "report.page_title"), Viewer: h.b.Viewer(r),
		Robots: "noindex", NoReferrer: true, ItemID: id})
}

func (h *Handler) appealPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !idRE.MatchString(id) {
		h.notFound(w, r)
		return
	}
	v := h.b.Viewer(r)
	if v == nil {
		toSignin(w, r)
		return
	}
	lang := pickLang(r)
	h.render(w, r, http.StatusOK, &pageData{Name: "appeal", Lang: lang, Title: h.t(lang, "report.appeal_title"), Viewer: v,
		Robots: "noindex", ItemID: id})
}

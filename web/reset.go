package web

import (
	"net/http"

	"kurz"
)

// The page behind a one-time password link (kurz admin reset-password): a
// plain form, no script, posted back here and handed to ResetPassword. The
// token travels in the query and the form, never in a cookie; the page is
// not indexed and not cached.

// resetForm shows the form for a new password.
func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request) {
	h.renderReset(w, r, http.StatusOK, r.URL.Query().Get("token"), "", false)
}

// resetSubmit sets the new password.
func (h *Handler) resetSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil || h.ResetPassword == nil {
		h.renderReset(w, r, http.StatusBadRequest, "", "the form could not be read", false)
		return
	}
	token := r.PostForm.Get("token")
	if err := h.ResetPassword(r.Context(), token, r.PostForm.Get("password")); err != nil {
		e := kurz.AsError(err)
		h.renderReset(w, r, kurz.HTTPStatus(e.Code), token, e.Message, false)
		return
	}
	h.renderReset(w, r, http.StatusOK, "", "", true)
}

func (h *Handler) renderReset(w http.ResponseWriter, r *http.Request, status int, token, formError string, done bool) {
	lang := pickLang(r)
	title, _ := translate(lang, "reset.title")
	h.render(w, r, status, &pageData{Name: "reset", Lang: lang, Title: title, Robots: "noindex", Path: "/reset-password",
		Token: token, FormError: formError, Done: done, NoReferrer: true})
}

// accountPage serves the pages behind mail links (confirming an email,
// ending a session from a sign-in alert) and the forgotten-password form.
// Each posts to the API from the page's script, so a mail scanner that
// opens a link uses nothing up.
func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request) {
	page := r.PathValue("page")
	if page != "verify-email" && page != "forgot-password" && page != "end-session" {
		h.notFound(w, r)
		return
	}
	lang := pickLang(r)
	h.render(w, r, http.StatusOK, &pageData{Name: "account", Lang: lang, Title: h.t(lang, "account."+page), Path: "/account/" + page,
		Robots: "noindex", NoReferrer: true})
}

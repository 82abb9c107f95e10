package web

import (
	"bytes"
	"embed"
	"html"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/yuin/goldmark"
)

// The legal pages (/about, /terms, /privacy, /imprint) are the operator's:
// Markdown or HTML files in LegalDir (<data>/pages), named <page>.<lang>.md,
// <page>.md, <page>.<lang>.html or <page>.html, looked for in that order and
// read on every request, so an edit shows without a restart. Markdown is
// rendered without raw HTML; an .html file is the operator's own markup,
// trusted as such (the pages' Content-Security-Policy still forbids
// scripts). Without a file the built-in default (legal/<page>.md) says how
// the software works and where the operator's contact goes. "{{contact}}"
// in any of them becomes Contact, the DSA point of contact.

//go:embed legal/*.md
var legalDefaults embed.FS

// LegalPages are the pages an operator can edit.
var LegalPages = []string{"about", "terms", "privacy", "imprint"}

// legalText returns a legal page's HTML and whether it is the operator's.
func (h *Handler) legalText(page, lang string) (template.HTML, bool, error) {
	contact := h.Contact
	if contact == "" {
		contact = "not given yet (the operator sets it with kurz serve --contact)"
	}
	var src []byte
	isHTML, own := false, false
	if h.LegalDir != "" {
		for _, name := range []string{page + "." + lang + ".md", page + ".md", page + "." + lang + ".html", page + ".html"} {
			b, err := os.ReadFile(filepath.Join(h.LegalDir, name))
			if err == nil {
				src, isHTML, own = b, strings.HasSuffix(name, ".html"), true
				break
			}
			if !os.IsNotExist(err) {
				return "", false, err
			}
		}
	}
	if src == nil {
		var err error
		if src, err = legalDefaults.ReadFile("legal/" + page + ".md"); err != nil {
			return "", false, err
		}
	}
	if isHTML {
		return template.HTML(strings.ReplaceAll(string(src), "{{contact}}", html.EscapeString(contact))), own, nil
	}
	var buf bytes.Buffer
	if err := goldmark.Convert(src, &buf); err != nil {
		return "", false, err
	}
	// The contact is escaped into the rendered HTML (Markdown would have
	// read an email address as plain text anyway).
	out := strings.ReplaceAll(buf.String(), "{{contact}}", html.EscapeString(contact))
	return template.HTML(out), own, nil
}

// legal serves one of the legal pages.
func (h *Handler) legal(page string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := pickLang(r)
		body, _, err := h.legalText(page, lang)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		title, _ := translate(lang, "legal."+page)
		h.render(w, r, http.StatusOK, &pageData{Name: "legal", Lang: lang, Title: title, Viewer: h.b.Viewer(r), Legal: body})
	}
}

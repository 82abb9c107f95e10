package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLegalPages: /about, /terms, /privacy and /imprint are served from
// built-in defaults with the operator's contact, replaced by the
// operator's Markdown or HTML files (per language first) as soon as they
// are written, and linked from every page's footer.
func TestLegalPages(t *testing.T) {
	bn := setup(t)
	dir := t.TempDir()
	bn.h.LegalDir, bn.h.Contact = dir, "dsa@example.org <desk>"

	for _, page := range LegalPages {
		res, body := bn.get(t, req{path: "/" + page})
		if res.StatusCode != 200 || !strings.Contains(body, "dsa@example.org &lt;desk&gt;") || strings.Contains(body, "{{contact}}") {
			t.Fatalf("default /%s: %d\n%s", page, res.StatusCode, body)
		}
		checkSecurityHeaders(t, "/"+page, res, false)
	}
	if _, body := bn.get(t, req{path: "/terms"}); !strings.Contains(body, "Art. 16") || !strings.Contains(body, "<h2") {
		t.Fatalf("default terms lack the DSA points:\n%s", body)
	}

	// The operator's Markdown, without a restart; raw HTML in it stays text.
	os.WriteFile(filepath.Join(dir, "imprint.md"), []byte("# Imprint\n\nKurz GmbH, Musterstraße 1, Berlin. Contact: {{contact}}\n\n<script>alert(1)</script>\n"), 0o644)
	_, body := bn.get(t, req{path: "/imprint"})
	if !strings.Contains(body, "Kurz GmbH, Musterstraße 1") || !strings.Contains(body, "dsa@example.org") || strings.Contains(body, "<script>alert") {
		t.Fatalf("operator's imprint:\n%s", body)
	}
	// A German version for German readers; others keep the general one.
	os.WriteFile(filepath.Join(dir, "imprint.de.md"), []byte("# Impressum\n\nKurz GmbH (deutsch)\n"), 0o644)
	if _, body := bn.get(t, req{path: "/imprint", lang: "de"}); !strings.Contains(body, "Kurz GmbH (deutsch)") || !strings.Contains(body, "Impressum") {
		t.Fatalf("German imprint:\n%s", body)
	}
	if _, body := bn.get(t, req{path: "/imprint", lang: "en"}); strings.Contains(body, "(deutsch)") {
		t.Fatalf("English reader got the German imprint")
	}
	// HTML is the operator's own markup.
	os.WriteFile(filepath.Join(dir, "terms.html"), []byte(`<h1>Our terms</h1><p class="x">Be kind.</p>`), 0o644)
	if _, body := bn.get(t, req{path: "/terms"}); !strings.Contains(body, `<p class="x">Be kind.</p>`) {
		t.Fatalf("operator's HTML terms:\n%s", body)
	}

	// Linked from the pages.
	_, body = bn.get(t, req{path: "/signin"})
	for _, page := range LegalPages {
		if !strings.Contains(body, `href="/`+page+`"`) {
			t.Errorf("the footer does not link /%s", page)
		}
	}
}

package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io/fs"
	"kurz/web/pagecache"
	"kurz/web/textfmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pageData is what every template gets. Page-specific fields are zero on
// pages that do not use them.
type pageData struct {
	Name     string // the page, as <body data-page>; the script dispatches on it
	Lang     string
	Title    string
	Viewer   *Viewer
	Path     string // this page's path and query, for the language switch and sign-in's next
	Boot     boot
	BootJS   template.JS // Boot as JSON (render sets it)
	Robots   string      // "noindex" for pages search engines should skip
	Meta     *meta       // OpenGraph and oEmbed discovery, on video pages
	Video    *Video
	Profile  *Profile
	Videos   []Video
	NextPage string // URL of the next grid page, if any
	Tag      string
	Kind     string // feed tab: foryou, following, popular or newest
	// Personalized: the feed page offers For You (signed in, and
	// personalisation not turned off).
	Personalized bool
	// Preload is an image the page needs first (the feed's first poster);
	// PreloadHLS the first clip's playlists (master and lowest rendition),
	// fetched beside the script instead of one after the other once it
	// runs.
	Preload    string
	PreloadHLS []string
	Next       string // sign-in/up: where to go afterwards
	Country    []country
	Embed      string        // embed page: the video page's absolute URL
	Region     string        // staff pages: the region worked on
	Regions    []string      // staff pages: the region select's options
	ItemID     string        // moderation item page: the queue item
	From, To   string        // transparency: the date filter (YYYY-MM-DD)
	Legal      template.HTML // legal pages: the operator's text, rendered
	// Password reset page: the link's token, the error to show, done.
	Token, FormError string
	Done             bool
	// NoReferrer keeps the page's URL (a secret token) out of Referer.
	NoReferrer bool
}

// boot is handed to the scripts as JSON in <script type="application/json">:
// the scripts never read user data out of the markup. The scripts'
// messages are not in it: they are a static file per language
// (msgasset.go).
type boot struct {
	Page   string      `json:"page"`
	Lang   string      `json:"lang"`
	Viewer *viewerJSON `json:"viewer"`
	Video  *videoJSON  `json:"video,omitempty"`
	Kind   string      `json:"kind,omitempty"`
	// Feed is the feed's first page, as GET /api/v1/feed answers it.
	Feed   json.RawMessage `json:"feed,omitempty"`
	Next   string          `json:"next,omitempty"`
	Handle string          `json:"handle,omitempty"` // profile page: whose
	Region string          `json:"region,omitempty"` // staff pages: the region worked on
	Item   string          `json:"item,omitempty"`   // moderation item page: the queue item
}

// js is the boot block's JSON, as the template writes it into its
// <script type="application/json">: json.Marshal escapes <, >, &, U+2028
// and U+2029 in every string, so nothing in it can end the script
// element.
func (b *boot) js() (template.JS, error) {
	j, err := json.Marshal(b)
	return template.JS(j), err
}

type viewerJSON struct {
	Handle string `json:"handle"`
}

// meta are the link-unfurling tags of a video page.
type meta struct {
	URL, Title, Description, Image, Embed, OEmbed string
	Width, Height                                 int
}

// videoJSON is a video in the API's JSON shape (GET /api/v1/feed items).
type videoJSON struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Caption    string    `json:"caption"`
	Hashtags   []string  `json:"hashtags"`
	Creator    creator   `json:"creator"`
	DurationMS int       `json:"duration_ms"`
	Width      int       `json:"width"`
	Height     int       `json:"height"`
	HLSURL     string    `json:"hls_url"`
	PosterURL  string    `json:"poster_url"`
	Likes      int64     `json:"likes"`
	Comments   int64     `json:"comments"`
	Views      int64     `json:"views"`
	CreatedAt  time.Time `json:"created_at"`
	Liked      bool      `json:"liked"`
	Following  bool      `json:"following"`
}

type creator struct {
	Handle    string `json:"handle"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

func toJSON(v *Video) *videoJSON {
	tags := v.Hashtags
	if tags == nil {
		tags = []string{}
	}
	return &videoJSON{ID: v.ID, Status: v.Status, Error: v.Error, Caption: v.Caption, Hashtags: tags,
		Creator: creator{v.CreatorHandle, v.CreatorAvatarURL}, DurationMS: v.DurationMS, Width: v.Width, Height: v.Height,
		HLSURL: v.HLSURL, PosterURL: v.PosterURL, Likes: v.Likes, Comments: v.Comments, Views: v.Views,
		CreatedAt: v.CreatedAt, Liked: v.Liked, Following: v.FollowingCreator}
}

// parseTemplates parses layout.html with each page file into its own set,
// so every page can define "content" and "head".
func (h *Handler) parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"asset":    h.asset,
		"messages": func(lang string) string { return h.asset(msgAssetName(lang)) },
		"t":        translate,
		"plural":   pluralWord,
		"count":    textfmt.Compact,
		"caption":  textfmt.Segments,
		"initial": func(s string) string {
			if s == standIn[slotHandle] { // a kept page's stand-in (pagecache.go)
				return standIn[slotInitial]
			}
			return textfmt.Initial(s)
		},
		"langs":    func() []string { return languages },
		"upper":    strings.ToUpper,
		"truncate": textfmt.Truncate,
		"ratio": func(v *Video) string { // CSS class for the poster box
			if v != nil && v.Width > v.Height {
				return "landscape"
			}
			return "portrait"
		},
	}
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return pages
}

// render writes a page. Pages are rendered to a buffer first so a template
// error becomes a clean 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, d *pageData) {
	framable := d.Name == "embed"
	secure(w, framable)
	if d.NoReferrer {
		w.Header().Set("Referrer-Policy", "no-referrer")
	}
	if d.Lang == "" {
		d.Lang = pickLang(r)
	}
	if d.Path == "" {
		d.Path = r.URL.RequestURI()
	}
	d.Boot.Page, d.Boot.Lang = d.Name, d.Lang
	if d.Viewer != nil {
		d.Boot.Viewer = &viewerJSON{Handle: d.Viewer.Handle}
	}
	key := cacheKey(d)
	if p, ok := h.anon.Get(key); ok {
		h.keep(d, p)
		v := d.Boot.Video
		writeKeptPage(w, status, p, d.Viewer, v != nil && v.Liked, v != nil && v.Following)
		return
	}
	entry := "layout"
	if framable {
		entry = "embed"
	}
	t, ok := h.pages[d.Name]
	var err error
	if !ok {
		err = errNoTemplate(d.Name)
	} else {
		d.BootJS, err = d.Boot.js()
	}
	var page []byte
	if err == nil {
		page, err = execute(t, entry, d)
	}
	if err == nil && key != "" {
		if d.Viewer == nil {
			p := &pagecache.Page{Parts: [][]byte{page}}
			h.anon.Put(key, p)
			h.keep(d, p)
		} else if sd, ok := standInData(d); ok {
			if kept, err := execute(t, entry, sd); err != nil {
				h.log.Error("web: rendering kept page", "page", d.Name, "err", err)
			} else if p, ok := pagecache.Split(kept, standIn, slotHandle, slotLiked, slotFollowing); ok {
				h.anon.Put(key, p)
				h.keep(d, p)
			}
		}
	}
	if err != nil {
		h.log.Error("web: rendering page", "page", d.Name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writePage(w, status, page)
}

// writeKeptPage writes kept page p for viewer (nil: signed out), with
// their like of the page's video and follow of its creator.
func writeKeptPage(w http.ResponseWriter, status int, p *pagecache.Page, viewer *Viewer, liked, following bool) {
	if viewer == nil {
		writePage(w, status, p.Parts[0])
		return
	}
	buf := pagePool.Get().(*[]byte)
	page := fill(p, (*buf)[:0], viewer.Handle, liked, following)
	writePage(w, status, page)
	*buf = page[:0]
	pagePool.Put(buf)
}

// pagePool holds the buffers signed-in viewers' pages are filled into
// (written out before the buffer is put back), so a page costs no
// garbage.
var pagePool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// execute runs a page's template into a buffer.
func execute(t *template.Template, entry string, d *pageData) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(16 << 10) // a page is 5-10 KB: no copying while it grows
	err := t.ExecuteTemplate(&buf, entry, d)
	return buf.Bytes(), err
}

// writePage writes a rendered page (its security headers are set).
func writePage(w http.ResponseWriter, status int, page []byte) {
	h := w.Header()
	h["Content-Type"] = htmlType
	h["Cache-Control"] = noStore
	h["Vary"] = append(h["Vary"], "Cookie, Accept-Language")
	h["Content-Length"] = []string{strconv.Itoa(len(page))}
	w.WriteHeader(status)
	w.Write(page)
}

// Header values set on every page, made once (never changed by anyone:
// net/http only reads them).
var (
	htmlType = []string{"text/html; charset=utf-8"}
	noStore  = []string{"no-store"}
)

type errNoTemplate string

func (e errNoTemplate) Error() string { return "web: no template " + string(e) }

// notFound renders the 404 page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	title, _ := translate(lang, "notfound.title")
	h.render(w, r, http.StatusNotFound, &pageData{Name: "notfound", Lang: lang, Title: title,
		Viewer: h.b.Viewer(r), Robots: "noindex"})
}

// fail renders the 404 page for not-found errors and a 500 page otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if notFound(err) {
		h.notFound(w, r)
		return
	}
	h.log.Error("web: backend", "path", r.URL.Path, "err", err)
	lang := pickLang(r)
	title, _ := translate(lang, "error.title")
	h.render(w, r, http.StatusInternalServerError, &pageData{Name: "error", Lang: lang, Title: title, Robots: "noindex"})
}

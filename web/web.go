// Package web serves kurz's server-rendered pages (feed shell, upload,
// profiles, video pages with OpenGraph and oEmbed, hashtags, sign-in and
// sign-up, the moderator pages and the public transparency table) and their
// embedded static assets. It reads what it shows through
// the Backend interface and never touches stores itself; all writes happen
// in the browser through the JSON API.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"io/fs"
	"kurz/web/pagecache"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"kurz"
)

// Backend is what the pages need from the rest of kurz.
type Backend interface {
	// Viewer returns the signed-in person for the request, or nil.
	Viewer(r *http.Request) *Viewer
	// Identity is Viewer without the viewer's settings (FeedOptOut,
	// PrivateAccount and Minor stay false): only for pages that show
	// none of them (the video page), which need not read them.
	Identity(r *http.Request) *Viewer
	// Video returns a video the viewer may see on a surface ("page",
	// "embed" or "oembed", as package policy names them: the visibility
	// policy decides); an error with code kurz.ENotFound if it is absent or
	// not visible there.
	Video(ctx context.Context, viewer *Viewer, id, surface string) (*Video, error)
	// Profile returns a public profile; kurz.ENotFound if absent.
	Profile(ctx context.Context, viewer *Viewer, handle string) (*Profile, error)
	// ProfileVideos returns a page of a person's videos visible to the
	// viewer, newest first, and the cursor of the next page ("" at the end).
	ProfileVideos(ctx context.Context, viewer *Viewer, handle string, cursor string) ([]Video, string, error)
	// TagVideos returns a page of public videos with a hashtag (given
	// without '#', lower case) and the next cursor.
	TagVideos(ctx context.Context, viewer *Viewer, tag string, cursor string) ([]Video, string, error)
	// Feed returns the first page of a feed for the viewer in the API's
	// JSON shape (GET /api/v1/feed) and its first video's poster URL, so
	// the page starts its first clip without another round trip.
	Feed(ctx context.Context, viewer *Viewer, kind string) (page []byte, poster string, err error)
}

// Viewer is the signed-in person looking at a page.
type Viewer struct {
	ID, Handle, Region string
	// FeedOptOut: the person turned personalised feeds off; the feed page
	// then offers the feeds that use no personal signal.
	FeedOptOut bool
	// PrivateAccount: the viewer's account is private (their uploads
	// default to followers only); Minor: they are 13-15, whose accounts
	// stay private (the upload form says why).
	PrivateAccount, Minor bool
}

// Video is a video as the pages show it. Status is "processing",
// "playable", "ready" or "failed" (then Error says why); Visibility is "public" or "private".
type Video struct {
	ID, Status, Error, Caption string
	Hashtags                   []string
	CreatorHandle              string
	// CreatorAvatarURL is the creator's profile picture ("" none).
	CreatorAvatarURL          string
	DurationMS, Width, Height int
	HLSURL, PosterURL         string
	Likes, Comments, Views    int64
	CreatedAt                 time.Time
	// Liked and FollowingCreator are about the viewer; false when signed out.
	Liked, FollowingCreator bool
	Visibility              string
}

// Showable reports whether the video plays: ready, or playable while the
// rest of its ladder is made.
func (v *Video) Showable() bool { return kurz.Showable(v.Status) }

// Profile is a person's public profile. IsViewer marks the viewer's own
// profile (then the page offers the edit form).
type Profile struct {
	ID, Handle, DisplayName, Bio string
	Followers, Following, Likes  int64
	Private, IsViewer            bool
	ViewerFollows                bool
	// ViewerBlocked, ViewerMuted: the signed-in viewer blocked or muted
	// this person (the page offers to unblock or unmute).
	ViewerBlocked, ViewerMuted bool
	// AvatarURL is the profile picture ("" none).
	AvatarURL string
}

//go:embed templates/*.html
var templateFS embed.FS

// staticFS holds web/static. dist/ is built by `npm run build` (see
// package.json); icon.svg is committed so the pattern always matches and
// `go build` works before the first front-end build.
//
//go:embed static
var staticFS embed.FS

// Handler serves the pages. Create it with New.
type Handler struct {
	// BaseURL is the public origin ("https://kurz.example") used for
	// absolute links in OpenGraph and oEmbed. It is never taken from a
	// request (its Host header is the client's to choose); empty, the
	// links are relative.
	BaseURL string
	// Regions are offered in the staff pages' region select (default eu,
	// us, sg); the script adds the regions this server reports as hosted.
	Regions []string

	b      Backend
	log    *slog.Logger
	pages  map[string]*template.Template
	anon   pagecache.Cache                   // kept video pages (pagecache.go)
	kept   pagecache.Index[keptKey, *keptOf] // the same, found by address and record (pagecache.go)
	static fs.FS
	// hashes maps a static file name to a short content hash, used as a
	// cache-busting version in asset URLs.
	hashes map[string]string
	// encoded lists the precompressed copies of a static file ("br",
	// "gzip"), made by the front-end build beside it (name.br, name.gz).
	encoded map[string][]string
	// msgs are the scripts' messages files by static name (msgasset.go).
	msgs map[string]*msgAsset
	mux  *http.ServeMux

	// LegalDir holds the operator's legal pages (see legal.go); Contact
	// is the DSA point of contact shown on them.
	LegalDir, Contact string
	// ResetPassword sets a new password with a one-time link token (the
	// /reset-password form); nil answers the form with an error.
	ResetPassword func(ctx context.Context, token, password string) error
}

// HasAssets reports whether the front-end bundle was built into this
// binary; without it every page would be unstyled and inert.
func HasAssets() bool {
	_, err := fs.Stat(staticFS, "static/dist/app.js")
	return err == nil
}

// New builds a Handler. It panics if the embedded templates do not parse,
// which is a build defect caught by the tests.
func New(b Backend, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	h := &Handler{b: b, log: log, static: static, hashes: map[string]string{}, encoded: map[string][]string{}, anon: pagecache.Cache{Max: maxCachedPages},
		kept: pagecache.Index[keptKey, *keptOf]{Max: maxCachedPages}}
	fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, e := range staticEncodings {
			if orig, ok := strings.CutSuffix(p, e.ext); ok {
				h.encoded[orig] = append(h.encoded[orig], e.name)
				return nil
			}
		}
		data, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if _, ok := h.hashes["dist/app.js"]; !ok {
		log.Warn("web: front-end bundle missing; run `cd web && npm ci && npm run build` before go build")
	}
	h.buildMsgAssets()
	h.pages = h.parseTemplates()
	h.mux = http.NewServeMux()
	h.Register(h.mux)
	return h
}

// ServeHTTP serves the pages on their own mux (for tests or a sub-mount).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Register adds the page routes to mux. The API under /api/ is not
// registered here.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.feed)
	for _, page := range []string{"upload", "settings", "followers", "studio", "inbox", "blocked"} {
		mux.HandleFunc("GET /"+page, h.signedIn(page))
	}
	mux.HandleFunc("GET /signin", h.signin)
	mux.HandleFunc("GET /signup", h.signup)
	// ServeMux wildcards must fill a whole segment, so "/@{handle}" is
	// not a pattern; profiles are the one-segment paths starting with '@'.
	mux.HandleFunc("GET /{at}", h.profile)
	mux.HandleFunc("GET /v/{id}", h.video)
	mux.HandleFunc("GET /embed/{id}", h.embed)
	mux.HandleFunc("GET /tag/{name}", h.tag)
	mux.HandleFunc("GET /reports", h.reportsPage)
	mux.HandleFunc("GET /reports/{id}", h.reportsPage)
	mux.HandleFunc("GET /appeal/{id}", h.appealPage)
	for _, page := range []string{"search", "discover", "sound/{id}"} {
		mux.HandleFunc("GET /"+page, h.shell(strings.TrimSuffix(page, "/{id}")))
	}
	mux.HandleFunc("GET /oembed", h.oembed)
	mod := modPages{h}
	mux.HandleFunc("GET /mod", mod.queue)
	mux.HandleFunc("GET /mod/item/{region}/{id}", mod.item)
	mux.HandleFunc("GET /mod/audit", mod.audit)
	mux.HandleFunc("GET /transparency", h.transparency)
	mux.HandleFunc("GET /reset-password", h.resetForm)
	mux.HandleFunc("POST /reset-password", h.resetSubmit)
	mux.HandleFunc("GET /account/{page}", h.accountPage)
	for _, page := range LegalPages {
		mux.HandleFunc("GET /"+page, h.legal(page))
	}
	mux.HandleFunc("GET /lang/{code}", h.setLang)
	mux.HandleFunc("GET /static/", h.serveStatic)
	h.registerShell(mux)
}

// Content-Security-Policy for pages. No inline scripts or styles; data for
// scripts travels in data-* attributes and a JSON block. Media and API
// calls are same-origin.
const cspBase = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"

// secure sets the security headers. framable is true only for /embed/.
func secure(w http.ResponseWriter, framable bool) {
	hd := w.Header()
	if framable {
		hd["Content-Security-Policy"] = cspFramable
	} else {
		hd["Content-Security-Policy"] = cspNotFramable
		hd["X-Frame-Options"] = deny
	}
	hd["X-Content-Type-Options"] = nosniff
	hd["Referrer-Policy"] = strictOrigin
}

// The security headers' values, made once and shared by every answer
// (slices of length and capacity one: an Add elsewhere copies, nothing
// writes into them).
var (
	cspFramable    = []string{cspBase + "; frame-ancestors *"}
	cspNotFramable = []string{cspBase + "; frame-ancestors 'none'"}
	deny           = []string{"DENY"}
	nosniff        = []string{"nosniff"}
	strictOrigin   = []string{"strict-origin-when-cross-origin"}
)

// serveStatic serves web/static. A request carrying the file's current
// content hash (?v=…, as asset URLs do) may be cached forever; others
// briefly.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	secure(w, false)
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	sum, ok := h.hashes[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == sum {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	if a, ok := h.msgs[name]; ok {
		serveMsgAsset(w, r, a)
		return
	}
	w.Header().Set("ETag", `"`+sum+`"`)
	if len(h.encoded[name]) > 0 {
		w.Header().Add("Vary", "Accept-Encoding")
		for _, e := range staticEncodings {
			if !slices.Contains(h.encoded[name], e.name) || !accepts(r, e.name) {
				continue
			}
			f, err := h.static.Open(name + e.ext)
			if err != nil {
				break
			}
			defer f.Close()
			if rs, ok := f.(io.ReadSeeker); ok {
				w.Header().Set("ETag", `"`+sum+"-"+e.name+`"`)
				w.Header().Set("Content-Encoding", e.name)
				if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
					w.Header().Set("Content-Type", ct)
				}
				http.ServeContent(w, r, "", time.Time{}, rs)
				return
			}
		}
	}
	http.ServeFileFS(w, r, h.static, name)
}

// staticEncodings are the precompressed copies looked for, best first.
var staticEncodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// accepts reports whether the request's Accept-Encoding allows coding
// (named, not refused with q=0).
func accepts(r *http.Request, coding string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// asset returns the versioned URL of a static file.
func (h *Handler) asset(name string) string {
	if sum, ok := h.hashes[name]; ok {
		return "/static/" + name + "?v=" + sum
	}
	return "/static/" + name
}

// baseURL is the public origin for absolute links: the configured one,
// never the request's Host.
func (h *Handler) baseURL(*http.Request) string {
	return strings.TrimRight(h.BaseURL, "/")
}

// notFound reports whether err means "absent or not visible".
func notFound(err error) bool { return kurz.ErrorCode(err) == kurz.ENotFound }

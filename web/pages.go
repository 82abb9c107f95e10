package web

import (
	"encoding/json"
	"fmt"
	"html"
	"kurz/web/textfmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"kurz"
)

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// plainID is idRE.MatchString without the regular expression (the video
// page asks it on every request).
func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// cursor reads the opaque page cursor, bounded so junk stays small.
func cursor(r *http.Request) string {
	c := r.URL.Query().Get("cursor")
	if len(c) > 512 {
		return ""
	}
	return c
}

func (h *Handler) t(lang, key string, args ...any) string {
	s, err := translate(lang, key, args...)
	if err != nil {
		h.log.Error("web: missing message", "err", err)
		return key
	}
	return s
}

// FeedCookie remembers the feed picked in the tabs.
const FeedCookie = "feed"

var feedKinds = []string{"foryou", "following", "popular", "newest"}

// feed is the swipe feed's shell; the script loads GET /api/v1/feed. The
// feed shown is the one asked for (?kind=, remembered in a cookie), else
// the remembered one, else For You for people with personalisation on and
// Popular (no personal signals) for everyone else.
func (h *Handler) feed(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	v := h.b.Viewer(r)
	personalized := v != nil && !v.FeedOptOut
	kind := r.URL.Query().Get("kind")
	if slices.Contains(feedKinds, kind) {
		http.SetCookie(w, &http.Cookie{Name: FeedCookie, Value: kind, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	} else if c, err := r.Cookie(FeedCookie); err == nil && slices.Contains(feedKinds, c.Value) {
		kind = c.Value
	} else {
		kind = ""
	}
	if kind == "" || (kind == "foryou" && !personalized) {
		kind = "popular"
		if personalized {
			kind = "foryou"
		}
	}
	title := "feed." + kind
	d := &pageData{Name: "feed", Lang: lang, Title: h.t(lang, title), Viewer: v, Kind: kind, Personalized: personalized}
	d.Boot.Kind = kind
	// The first page comes with the HTML: one round trip to the first clip.
	if page, poster, err := h.b.Feed(r.Context(), v, kind); err == nil {
		d.Boot.Feed, d.Preload = page, poster
		if base, ok := strings.CutSuffix(poster, "poster.jpg"); ok {
			// The player starts on the lowest rendition, v0 (player.js).
			d.PreloadHLS = []string{base + "master.m3u8", base + "v0/index.m3u8"}
		}
	} else if !notFound(err) && kurz.ErrorCode(err) != kurz.EUnauthorized {
		h.log.Warn("web: first feed page", "err", err)
	}
	h.render(w, r, http.StatusOK, d)
}

// signedIn serves a page of the signed-in person, whose script reads and
// writes the API: settings (GET/PATCH /api/v1/me/settings), followers
// (follow requests and approved followers, /api/v1/me/followers) and the
// upload form. Signing in comes first.
func (h *Handler) signedIn(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := h.b.Viewer(r)
		if v == nil {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape("/"+name), http.StatusSeeOther)
			return
		}
		lang := pickLang(r)
		h.render(w, r, http.StatusOK, &pageData{Name: name, Lang: lang, Title: h.t(lang, name+".title"), Viewer: v, Robots: "noindex"})
	}
}

func (h *Handler) signin(w http.ResponseWriter, r *http.Request) { h.authPage(w, r, "signin") }
func (h *Handler) signup(w http.ResponseWriter, r *http.Request) { h.authPage(w, r, "signup") }

func (h *Handler) authPage(w http.ResponseWriter, r *http.Request, name string) {
	next := localPath(r.URL.Query().Get("next"))
	v := h.b.Viewer(r)
	if v != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	lang := pickLang(r)
	d := &pageData{Name: name, Lang: lang, Title: h.t(lang, name+".title"), Next: next, Robots: "noindex"}
	d.Boot.Next = next
	if name == "signup" {
		d.Country = countries(lang)
	}
	h.render(w, r, http.StatusOK, d)
}

// profile serves /@{handle}.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	at := r.PathValue("at")
	if !strings.HasPrefix(at, "@") {
		h.notFound(w, r)
		return
	}
	handle, err := kurz.NormalizeHandle(at[1:])
	if err != nil {
		h.notFound(w, r)
		return
	}
	if handle != at[1:] {
		http.Redirect(w, r, "/@"+handle, http.StatusMovedPermanently)
		return
	}
	v := h.b.Viewer(r)
	p, err := h.b.Profile(r.Context(), v, handle)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lang := pickLang(r)
	d := &pageData{Name: "profile", Lang: lang, Title: "@" + p.Handle, Viewer: v, Profile: p}
	if p.DisplayName != "" {
		d.Title = p.DisplayName + " (@" + p.Handle + ")"
	}
	d.Boot.Handle = p.Handle
	{
		// The backend lists what the visibility policy lets the viewer see.
		videos, next, err := h.b.ProfileVideos(r.Context(), v, handle, cursor(r))
		switch code := kurz.ErrorCode(err); {
		case err == nil:
			d.Videos = videos
			if next != "" {
				d.NextPage = "/@" + handle + "?cursor=" + url.QueryEscape(next)
			}
		case code == kurz.EForbidden || code == kurz.ENotFound:
			// Private account the viewer may not see: show the profile only.
		default:
			h.fail(w, r, err)
			return
		}
	}
	if p.Private {
		d.Robots = "noindex"
	}
	h.render(w, r, http.StatusOK, d)
}

// tag serves /tag/{name}.
func (h *Handler) tag(w http.ResponseWriter, r *http.Request) {
	name, ok := kurz.NormalizeHashtag(r.PathValue("name"))
	if !ok {
		h.notFound(w, r)
		return
	}
	v := h.b.Viewer(r)
	videos, next, err := h.b.TagVideos(r.Context(), v, name, cursor(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lang := pickLang(r)
	d := &pageData{Name: "tag", Lang: lang, Title: "#" + name, Viewer: v, Tag: name, Videos: videos}
	if next != "" {
		d.NextPage = "/tag/" + url.PathEscape(name) + "?cursor=" + url.QueryEscape(next)
	}
	h.render(w, r, http.StatusOK, d)
}

// shell serves a page whose content its script fetches from the API
// (search as one types, Discover).
func (h *Handler) shell(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := pickLang(r)
		title, _ := translate(lang, name+".title")
		h.render(w, r, http.StatusOK, &pageData{Name: name, Lang: lang, Title: title, Viewer: h.b.Viewer(r)})
	}
}

// video serves /v/{id}, with OpenGraph tags and oEmbed discovery.
func (h *Handler) video(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !plainID(id) {
		h.notFound(w, r)
		return
	}
	viewer := h.b.Identity(r) // the page shows none of the viewer's settings
	v, err := h.b.Video(r.Context(), viewer, id, "page")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lang := pickLang(r)
	if h.writeKept(w, r, viewer, v, lang) {
		return
	}
	base := h.baseURL(r)
	page := base + "/v/" + v.ID
	d := &pageData{Name: "video", Lang: lang, Title: h.t(lang, "video.title", v.CreatorHandle), Viewer: viewer, Video: v}
	d.Boot.Video = toJSON(v)
	if v.Visibility != "public" || !v.Showable() {
		d.Robots = "noindex"
	}
	// Link previews and search engines read the page signed out (they
	// never sign in): a signed-in viewer's page leaves their tags out
	// (1.4 KB of a 5 KB page).
	if v.Visibility == "public" && v.Showable() && viewer == nil {
		ew, eh := embedSize(v, 0, 0)
		d.Meta = &meta{URL: page, Title: d.Title, Description: textfmt.Truncate(v.Caption, 200),
			Image: absolute(base, v.PosterURL), Embed: base + "/embed/" + v.ID,
			OEmbed: base + "/oembed?format=json&url=" + url.QueryEscape(page), Width: ew, Height: eh}
	}
	h.render(w, r, http.StatusOK, d)
}

// publicVideo returns a video for third parties (surface "embed" or
// "oembed"): the policy answers them as a stranger, without the
// visitor's session.
func (h *Handler) publicVideo(r *http.Request, id, surface string) (*Video, error) {
	if !idRE.MatchString(id) {
		return nil, kurz.ErrNotFound
	}
	return h.b.Video(r.Context(), nil, id, surface)
}

// embed is the minimal player page that other sites frame.
func (h *Handler) embed(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	v, err := h.publicVideo(r, r.PathValue("id"), "embed")
	if err != nil {
		if !notFound(err) {
			h.log.Error("web: backend", "path", r.URL.Path, "err", err)
		}
		h.render(w, r, http.StatusNotFound, &pageData{Name: "embed", Lang: lang, Title: h.t(lang, "notfound.title"), Robots: "noindex"})
		return
	}
	d := &pageData{Name: "embed", Lang: lang, Title: h.t(lang, "video.title", v.CreatorHandle), Video: v,
		Embed: h.baseURL(r) + "/v/" + v.ID, Robots: "noindex"}
	d.Boot.Video = toJSON(v)
	h.render(w, r, http.StatusOK, d)
}

// oembedResponse is an oEmbed 1.0 "video" response (https://oembed.com).
type oembedResponse struct {
	Version         string `json:"version"`
	Type            string `json:"type"`
	Title           string `json:"title,omitempty"`
	AuthorName      string `json:"author_name"`
	AuthorURL       string `json:"author_url"`
	ProviderName    string `json:"provider_name"`
	ProviderURL     string `json:"provider_url"`
	HTML            string `json:"html"`
	Width           int    `json:"width"`
	Height          int    `json:"height"`
	ThumbnailURL    string `json:"thumbnail_url,omitempty"`
	ThumbnailWidth  int    `json:"thumbnail_width,omitempty"`
	ThumbnailHeight int    `json:"thumbnail_height,omitempty"`
}

// oembed answers /oembed?url=<video page URL>&format=json for public,
// ready videos; anything else is 404 (501 for a format other than JSON, as
// the spec asks).
func (h *Handler) oembed(w http.ResponseWriter, r *http.Request) {
	secure(w, false)
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json" {
		oembedError(w, http.StatusNotImplemented, "only format=json is supported")
		return
	}
	u, err := url.Parse(q.Get("url"))
	if err != nil || u.Path == "" {
		oembedError(w, http.StatusNotFound, "not a kurz video URL")
		return
	}
	id, ok := strings.CutPrefix(u.Path, "/v/")
	if !ok {
		oembedError(w, http.StatusNotFound, "not a kurz video URL")
		return
	}
	v, err := h.publicVideo(r, id, "oembed")
	if err != nil {
		if !notFound(err) {
			h.log.Error("web: backend", "path", r.URL.Path, "err", err)
			oembedError(w, http.StatusInternalServerError, "internal error")
			return
		}
		oembedError(w, http.StatusNotFound, "no such video")
		return
	}
	maxW, _ := strconv.Atoi(q.Get("maxwidth"))
	maxH, _ := strconv.Atoi(q.Get("maxheight"))
	width, height := embedSize(v, maxW, maxH)
	base := h.baseURL(r)
	src := base + "/embed/" + v.ID
	title := textfmt.Truncate(v.Caption, 100)
	if title == "" {
		title = "@" + v.CreatorHandle
	}
	resp := oembedResponse{
		Version: "1.0", Type: "video", Title: title,
		AuthorName: "@" + v.CreatorHandle, AuthorURL: base + "/@" + v.CreatorHandle,
		ProviderName: "kurz", ProviderURL: base + "/",
		HTML: fmt.Sprintf(`<iframe src="%s" width="%d" height="%d" title="%s" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`,
			html.EscapeString(src), width, height, html.EscapeString(title)),
		Width: width, Height: height,
	}
	if v.PosterURL != "" {
		resp.ThumbnailURL = absolute(base, v.PosterURL)
		resp.ThumbnailWidth, resp.ThumbnailHeight = v.Width, v.Height
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// Short, so a removed video stops unfurling soon.
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	json.NewEncoder(w).Encode(resp)
}

func oembedError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": http.StatusText(code), "message": msg}})
}

// embedSize fits the video's aspect ratio (9:16 if unknown) into a player
// 360 pixels wide, or into maxW×maxH when the consumer asks.
func embedSize(v *Video, maxW, maxH int) (int, int) {
	vw, vh := v.Width, v.Height
	if vw <= 0 || vh <= 0 {
		vw, vh = 9, 16
	}
	w := 360
	if maxW > 0 && maxW < w {
		w = maxW
	}
	hgt := w * vh / vw
	if maxH > 0 && hgt > maxH {
		hgt = maxH
		w = hgt * vw / vh
	}
	return w, hgt
}

// absolute makes a same-site path absolute; absolute URLs pass through.
func absolute(base, p string) string {
	if p == "" || strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		return p
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return base + p
}

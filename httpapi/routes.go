package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"kurz"
	"kurz/accounts"
	"kurz/apidoc"
	"kurz/apijson"
	"kurz/auth"
	"kurz/commentapi"
	"kurz/discoverapi"
	"kurz/feedjson"
	"kurz/inboxapi"
	"kurz/media"
	"kurz/privacyapi"
	"kurz/safety"
	"kurz/safetyapi"
	"kurz/settingsapi"
	"kurz/social"
	"kurz/socialapi"
	"kurz/studioapi"
	"kurz/transparency"
	"kurz/trust"
	"kurz/video"
	"kurz/videoapi"
)

type route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// routes is the one route table of the public API: Handler registers each
// entry on the mux and apidoc documents it at /api/v1/openapi.json, so no
// route exists without its entry. Adding a route is one line: its mux
// pattern, its handler and its apidoc.Op (summary, who may call it, query
// parameters, the Go types of its JSON request and answer; an answer
// written as map[string]any gets a small named type instead).
// Web pages and the region link are not public API and not listed here.
// The routes of the packages httpapi mounts follow (see mounted).
func (s *Server) routes() []route {
	const opt, req = apidoc.Optional, apidoc.Required
	return append([]route{
		{"GET /healthz", s.healthz, apidoc.Op{Summary: "Liveness and version", Out: apijson.Health{}}},
		{"GET /readyz", s.readyz, apidoc.Op{Summary: "Readiness of every hosted region (503 when not ready)", Out: apijson.Ready{}, Also: []int{503}}},
		{"GET /api/v1/openapi.json", s.openapi, apidoc.Op{Summary: "This document", Out: apidoc.Object{}, Also: []int{304}}},
		{"POST /api/v1/accounts", s.createAccount, apidoc.Op{Summary: "Sign up (in the home region of the country)", In: accounts.SignUp{}, Status: 201, Out: apijson.User{}}},
		{"POST /api/v1/sessions", s.createSession, apidoc.Op{Summary: "Sign in by handle or email", In: apijson.Login{}, Status: 201, Out: apijson.Session{}}},
		{"DELETE /api/v1/sessions/current", s.deleteSession, apidoc.Op{Summary: "Sign out", Auth: req, Status: 204}},
		{"GET /api/v1/me", s.me, apidoc.Op{Summary: "The signed-in person", Auth: req, Out: apijson.User{}}},
		{"GET /api/v1/users/{handle}", s.getUser, apidoc.Op{Summary: "A public profile", Auth: opt, Out: apijson.Profile{}}},
		{"GET /api/v1/users/{handle}/videos", s.userVideos, apidoc.Op{Summary: "A person's public videos, newest first", Auth: opt, Query: []string{"cursor"}, Out: apijson.VideoPage{}}},
		{"GET /api/v1/tags/{tag}/videos", s.tagVideos, apidoc.Op{Summary: "Public videos with a hashtag, newest first", Auth: opt, Query: []string{"cursor"}, Out: apijson.VideoPage{}}},
		{"PATCH /api/v1/me/profile", s.patchProfile, apidoc.Op{Summary: "Change display name or bio", Auth: req, In: apijson.ProfilePatch{}, Out: apijson.Profile{}}},
		{"GET /api/v1/feed", s.feed, apidoc.Op{Summary: "A page of a feed (kind: foryou, popular, following, newest)", Auth: opt, Query: []string{"kind", "cursor"}, Out: feedjson.PageJSON{}}},
		{"GET /api/v1/regions", s.regions, apidoc.Op{Summary: "Hosted regions, their log and their peers' health", Auth: opt, Out: apijson.Regions{}}},
	}, s.mounted()...)
}

// mounted are the routes of the packages httpapi mounts, each handed what
// it needs of the server: how it finds the viewer (viewerCell,
// authenticate, staffCell) and the region of an object (cellOf), how it
// reads bodies (decode), limits callers and writes errors (error). A nil
// server (Document) leaves each its zero value, enough to list its routes.
func (s *Server) mounted() (out []route) {
	tr, settings, videos := &trust.Handlers{}, &settingsapi.Handlers{}, &videoapi.Handlers{}
	comments, soc, inbox := &commentapi.Handlers{}, &socialapi.Handlers{}, &inboxapi.Handlers{}
	safe, priv := &safetyapi.Handlers{}, &privacyapi.Handlers{}
	disc, studio := &discoverapi.Handlers{}, &studioapi.Handlers{}
	if s != nil {
		likes := func(p *kurz.Profile) error { return limit(s.likes, p) }
		network := func(r *http.Request) string { return auth.IPKey(s.clientIP(r)) }
		tr = &trust.Handlers{D: trustDoor{s}, Resets: s.resets}
		settings = &settingsapi.Handlers{D: trustDoor{s}, Edge: s.Edge, Peers: s.Peers, Media: media.Options{Log: s.Log}}
		videos = s.videos()
		comments = &commentapi.Handlers{Viewer: s.viewerCell, Auth: s.authenticate, Decode: decode, Error: s.error,
			Likes: likes, Comments: func(p *kurz.Profile) error { return limit(s.comments, p) }}
		soc = &socialapi.Handlers{Auth: s.authenticate, Error: s.error, Likes: likes}
		inbox = &inboxapi.Handlers{Auth: s.authenticate, Decode: decode, Error: s.error}
		safe = &safetyapi.Handlers{Viewer: s.viewerCell, Auth: s.authenticate, Staff: s.staffCell, Cells: s.Cells, Token: token,
			Network: network, Reports: s.reports, Appeals: s.appeals, Decode: decode, Error: s.error}
		priv = &privacyapi.Handlers{Auth: s.authenticate, Staff: s.staffCell, CheckIP: s.checkIP, CheckPassword: s.checkPassword,
			Decode: decode, Error: s.error, Log: s.Log}
		disc = &discoverapi.Handlers{Viewer: s.viewerCell, Staff: s.staffCell, Decode: decode, Error: s.error, Cells: s.Cells,
			Media:   media.Options{Redirect: s.MediaRedirect, Log: s.Log},
			Forward: func(w http.ResponseWriter, r *http.Request, to kurz.Region) { s.forward(w, r, to, nil) }}
		studio = &studioapi.Handlers{Viewer: s.viewerCell, SignedIn: s.authenticate, Decode: decode, Error: s.error, Network: network}
	}
	out = mount(out, videos.Routes())
	out = mount(out, comments.Routes())
	out = mount(out, soc.Routes())
	out = mount(out, safe.Routes())
	out = mount(out, priv.Routes())
	out = mount(out, settings.Routes())
	for _, rt := range tr.Routes() {
		out = append(out, route{rt.Pattern, rt.H, rt.Op()})
	}
	for _, rt := range inbox.Routes() {
		op := apidoc.Op{Summary: rt.Summary, Auth: apidoc.Required, In: rt.In, Out: rt.Out}
		if rt.Pattern == "POST /api/v1/me/inbox/read" {
			op.InOptional = true
		}
		out = append(out, route{rt.Pattern, rt.H, op})
	}
	// discoverapi's and studioapi's routes are listed here; discoverapi's
	// answers are documented as JSON objects.
	const opt, req = apidoc.Optional, apidoc.Required
	return append(out, []route{
		{"GET /api/v1/search", disc.Search, apidoc.Op{Summary: "Search public videos, people or hashtags (type: videos, people, tags)", Auth: opt, Query: []string{"q", "type", "cursor"}, Out: apidoc.Object{}}},
		{"GET /api/v1/discover", disc.Discover, apidoc.Op{Summary: "Trending hashtags and sounds, worldwide and in the viewer's region", Auth: opt, Out: apidoc.Object{}}},
		{"GET /api/v1/sounds/{id}/videos", disc.SoundVideos, apidoc.Op{Summary: "Public videos that use a sound", Auth: opt, Query: []string{"cursor"}, Out: apidoc.Object{}}},
		{"POST /api/v1/moderation/{region}/sounds/{id}/block", disc.BlockSound, apidoc.Op{Summary: "Block a sound of the region (moderators); answers the statement of reasons", Auth: req, In: safety.DecisionInput{}, Status: 201, Out: transparency.Statement{}}},
		{"GET /api/v1/videos/{id}/download", disc.Download, apidoc.Op{Summary: "An MP4 of a public video whose creator allows downloads", Auth: opt, Out: apidoc.Raw("video/mp4"), Also: []int{206, 302, 304}}},
		{"POST /api/v1/videos/{id}/view", studio.View, apidoc.Op{Summary: "Count a view, once per viewer and day, with the watch time or a share the player reports (each once)", Auth: opt, In: social.ViewEvent{}, InOptional: true, Status: 204}},
		{"GET /api/v1/studio", studio.Studio, apidoc.Op{Summary: "The creator studio: the caller's videos in every status with their numbers, and their totals by day", Auth: req, Out: video.Studio{}}},
		{"GET /api/v1/studio/videos/{id}", studio.Video, apidoc.Op{Summary: "One of the caller's videos with its numbers (404 for anyone else's)", Auth: req, Out: video.StudioVideo{}}},
	}...)
}

// mount turns a mounted package's route list into table entries: the
// packages' Route types are this table's route, field for field.
func mount[R ~struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}](out []route, list []R) []route {
	for _, rt := range list {
		out = append(out, route(rt))
	}
	return out
}

// Document is the OpenAPI document of the public API (see routes).
func Document(version string) ([]byte, error) {
	var list []apidoc.Route
	for _, rt := range (*Server)(nil).routes() {
		list = append(list, apidoc.Route{Pattern: rt.Pattern, Op: rt.Op})
	}
	return apidoc.Build(apidoc.Info{Title: "kurz", Version: version,
		Description: "The public API of a kurz server. Errors answer in one shape: {\"error\":{\"code\",\"message\",\"field\"}}."}, list)
}

// openapi serves the document, built once; clients may cache it.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	doc, err := s.doc()
	if err != nil {
		s.error(w, r, err)
		return
	}
	sum := sha256.Sum256(doc)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc))
}

package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"kurz"
	"net/http"
	"time"

	"kurz/accounts"
	"kurz/apidoc"
	"kurz/apijson"
	"kurz/auth"
	"kurz/commentapi"
	"kurz/discoverapi"
	"kurz/feedjson"
	"kurz/inboxapi"
	"kurz/media"
	"kurz/privacy"
	"kurz/safety"
	"kurz/settingsapi"
	"kurz/social"
	"kurz/socialapi"
	"kurz/studioapi"
	"kurz/transparency"
	"kurz/trust"
	"kurz/video"
)

type route struct {
	pattern string
	h       http.HandlerFunc
	op      apidoc.Op
}

// The tus protocol's headers; its bodies are raw bytes.
var (
	tusIn   = []string{"Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Offset"}
	tusOut  = []string{"Tus-Resumable", "Upload-Offset", "Upload-Length", "Location", "Kurz-Video-Id"}
	tusBody = apidoc.Raw("application/offset+octet-stream")
)

// routes is the one route table of the public API: Handler registers each
// entry on the mux and apidoc documents it at /api/v1/openapi.json, so no
// route exists without its entry. Adding a route is one line: its mux
// pattern, its handler and its apidoc.Op (summary, who may call it, query
// parameters, the Go types of its JSON request and answer; an answer
// written as map[string]any gets a small named type instead).
// Web pages and the region link are not public API and not listed here.
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
		{"POST /api/v1/uploads/{$}", s.uploadCreate, apidoc.Op{Summary: "Start a tus upload (creation, creation-with-upload)", Auth: req, Headers: tusIn, Status: 201, OutHeaders: tusOut}},
		{"OPTIONS /api/v1/uploads/", s.uploadOptions, apidoc.Op{Summary: "tus discovery", Status: 204, Also: []int{200}, OutHeaders: []string{"Tus-Version", "Tus-Extension", "Tus-Max-Size"}}},
		{"HEAD /api/v1/uploads/{id}", s.uploadResume, apidoc.Op{Summary: "An upload's offset (tus)", Auth: req, Headers: tusIn, OutHeaders: tusOut}},
		{"PATCH /api/v1/uploads/{id}", s.uploadResume, apidoc.Op{Summary: "Send an upload's next bytes (tus)", Auth: req, Headers: tusIn, In: tusBody, Status: 204, OutHeaders: tusOut}},
		{"DELETE /api/v1/uploads/{id}", s.uploadResume, apidoc.Op{Summary: "Abandon an upload (tus termination)", Auth: req, Headers: tusIn, Status: 204}},
		{"GET /api/v1/videos/{id}", s.getVideo, apidoc.Op{Summary: "A video", Auth: opt, Out: video.VideoJSON{}}},
		{"PATCH /api/v1/videos/{id}", s.patchVideo, apidoc.Op{Summary: "Change a video's caption or visibility", Auth: req, In: video.VideoPatch{}, Out: video.VideoJSON{}}},
		{"DELETE /api/v1/videos/{id}", s.deleteVideo, apidoc.Op{Summary: "Delete a video", Auth: req, Status: 204}},
		{"GET /media/{id}/{file...}", s.serveMedia, apidoc.Op{Summary: "A video's playlists, segments, poster and preview (?t= for non-public videos)", Auth: apidoc.Public, Query: []string{"t"},
			Headers: []string{"Range", "If-None-Match"}, Out: apidoc.Raw("*/*"), Also: []int{206, 302, 304, 416}, NoError: true}},
		{"PUT /api/v1/videos/{id}/like", s.like, apidoc.Op{Summary: "Like a video", Auth: req, Out: apijson.Like{}}},
		{"DELETE /api/v1/videos/{id}/like", s.like, apidoc.Op{Summary: "Take a like back", Auth: req, Out: apijson.Like{}}},
		{"GET /api/v1/videos/{id}/comments", s.listComments, apidoc.Op{Summary: "A video's top-level comments, oldest first, the one its creator pinned first; each with its reply count", Auth: opt, Query: []string{"cursor"}, Out: apijson.CommentPage{}}},
		{"POST /api/v1/videos/{id}/comments", s.postComment, apidoc.Op{Summary: "Comment on a video", Auth: req, In: apijson.CommentRequest{}, Status: 201, Out: social.CommentJSON{}}},
		{"DELETE /api/v1/comments/{id}", s.deleteComment, apidoc.Op{Summary: "Delete a comment (its author or the video's owner)", Auth: req, Status: 204}},
		{"PUT /api/v1/users/{handle}/follow", s.follow, apidoc.Op{Summary: "Follow a person", Auth: req, Out: apijson.Follow{}}},
		{"DELETE /api/v1/users/{handle}/follow", s.follow, apidoc.Op{Summary: "Unfollow a person", Auth: req, Out: apijson.Follow{}}},
		{"GET /api/v1/me/followers", s.followers, apidoc.Op{Summary: "The signed-in person's pending follow requests (status=pending, the default) or approved followers (status=approved)", Auth: req, Query: []string{"status"}, Out: apijson.FollowerList{}}},
		{"POST /api/v1/me/followers/{handle}/{action}", s.answerFollower, apidoc.Op{Summary: "Approve or refuse a follow request (action: approve, refuse)", Auth: req, Out: apijson.FollowerAnswer{}}},
		{"DELETE /api/v1/me/followers/{handle}", s.answerFollower, apidoc.Op{Summary: "Remove a follower", Auth: req, Out: apijson.FollowerAnswer{}}},
		{"GET /api/v1/users/{handle}", s.getUser, apidoc.Op{Summary: "A public profile", Auth: opt, Out: apijson.Profile{}}},
		{"GET /api/v1/users/{handle}/videos", s.userVideos, apidoc.Op{Summary: "A person's public videos, newest first", Auth: opt, Query: []string{"cursor"}, Out: apijson.VideoPage{}}},
		{"GET /api/v1/tags/{tag}/videos", s.tagVideos, apidoc.Op{Summary: "Public videos with a hashtag, newest first", Auth: opt, Query: []string{"cursor"}, Out: apijson.VideoPage{}}},
		{"PATCH /api/v1/me/profile", s.patchProfile, apidoc.Op{Summary: "Change display name or bio", Auth: req, In: apijson.ProfilePatch{}, Out: apijson.Profile{}}},
		{"GET /api/v1/feed", s.feed, apidoc.Op{Summary: "A page of a feed (kind: foryou, popular, following, newest)", Auth: opt, Query: []string{"kind", "cursor"}, Out: feedjson.PageJSON{}}},
		{"GET /api/v1/regions", s.regions, apidoc.Op{Summary: "Hosted regions, their log and their peers' health", Auth: opt, Out: apijson.Regions{}}},
		{"POST /api/v1/me/export", s.requestExport, apidoc.Op{Summary: "Ask for a data export (an empty object or no body)", Auth: req, In: struct{}{}, InOptional: true, Status: 202, Out: apijson.Export{}}},
		{"GET /api/v1/me/exports/{id}", s.downloadExport, apidoc.Op{Summary: "Download a ready export", Auth: req, Out: apidoc.Raw("application/zip")}},
		{"GET /api/v1/me/notifications", s.notifications, apidoc.Op{Summary: "Notifications, newest first", Auth: req, Out: apijson.Notifications{}}},
		{"DELETE /api/v1/me", s.deleteMe, apidoc.Op{Summary: "Ask for erasure (cancellable during the grace period)", Auth: req, In: apijson.Password{}, Status: 202, Out: apijson.Erasure{}}},
		{"POST /api/v1/me/erasure/cancel", s.cancelErasure, apidoc.Op{Summary: "Cancel a pending erasure", Auth: req, Status: 204}},
		{"POST /api/v1/admin/regions/{region}/people/{handle}/personal", s.staffPersonal, apidoc.Op{Summary: "Staff look at a person's personal data, for a reason (audited)", Auth: req, In: apijson.Reason{}, Out: privacy.PersonalView{}}},
		{"GET /api/v1/admin/regions/{region}/audit", s.staffAudit, apidoc.Op{Summary: "The region's access audit log", Auth: req, Query: []string{"subject"}, Out: apijson.Audit{}}},
		{"POST /api/v1/admin/regions/{region}/roles", s.grantRole, apidoc.Op{Summary: "Grant a staff role (admins)", Auth: req, In: apijson.GrantRequest{}, Status: 201, Out: apijson.Grant{}}},
		{"POST /api/v1/reports", s.report, apidoc.Op{Summary: "File a notice (anyone)", Auth: opt, In: safety.NoticeInput{}, Status: 201, Out: apijson.Receipt{}}},
		{"GET /api/v1/reports/{id}", s.reportStatus, apidoc.Op{Summary: "A notice's status, for whoever holds its receipt", Out: safety.NoticeStatusJSON{}}},
		{"GET /api/v1/moderation/{region}/queue", s.modQueue, apidoc.Op{Summary: "A page of the moderation queue", Auth: req, Query: []string{"cursor", "limit"}, Out: safety.QueuePage{}}},
		{"POST /api/v1/moderation/{region}/items/{id}/claim", s.modClaim, apidoc.Op{Summary: "Claim a queue item", Auth: req, Out: safety.ItemView{}}},
		{"POST /api/v1/moderation/{region}/items/{id}/decide", s.modDecide, apidoc.Op{Summary: "Decide a claimed item; answers the statement of reasons", Auth: req, In: safety.DecisionInput{}, Status: 201, Out: transparency.Statement{}}},
		{"POST /api/v1/moderation/{region}/items/{id}/release", s.modRelease, apidoc.Op{Summary: "Give a claimed item back (its claimer or an admin)", Auth: req, Out: apijson.Release{}}},
		{"POST /api/v1/appeals", s.appeal, apidoc.Op{Summary: "Appeal a decision", Auth: req, In: apijson.AppealRequest{}, Status: 201, Out: apijson.Appeal{}}},
		{"GET /api/v1/transparency/statements", s.transparency, apidoc.Op{Summary: "Statements of reasons, oldest first, without personal data", Query: []string{"from", "to", "cursor", "limit"}, Out: transparency.StatementPage{}}},
	}, append(append(append(append(append(append(s.trustRoutes(), s.discoverRoutes()...), s.commentRoutes()...), s.studioRoutes()...), s.inboxRoutes()...), s.socialRoutes()...), s.settingsRoutes()...)...)
}

// commentRoutes are package commentapi's: replies, likes on comments and
// pinning.
func (s *Server) commentRoutes() (out []route) {
	h := &commentapi.Handlers{} // for Document, which has no server
	if s != nil {
		h = &commentapi.Handlers{Viewer: s.viewerCell, Auth: s.authenticate, Decode: decode, Error: s.error,
			Likes: func(p *kurz.Profile) error { return limit(s.likes, p) }, Comments: func(p *kurz.Profile) error { return limit(s.comments, p) }}
	}
	for _, rt := range h.Routes() {
		out = append(out, route{rt.Pattern, rt.H, rt.Op})
	}
	return out
}

// studioRoutes are package studioapi's: the creator studio and the
// player's view events.
func (s *Server) studioRoutes() []route {
	h := &studioapi.Handlers{} // for Document, which has no server
	if s != nil {
		h = &studioapi.Handlers{Viewer: s.viewerCell, SignedIn: s.authenticate, Decode: decode, Error: s.error,
			Network: func(r *http.Request) string { return auth.IPKey(s.clientIP(r)) }}
	}
	const opt, req = apidoc.Optional, apidoc.Required
	return []route{
		{"POST /api/v1/videos/{id}/view", h.View, apidoc.Op{Summary: "Count a view, once per viewer and day, with the watch time or a share the player reports (each once)", Auth: opt, In: social.ViewEvent{}, InOptional: true, Status: 204}},
		{"GET /api/v1/studio", h.Studio, apidoc.Op{Summary: "The creator studio: the caller's videos in every status with their numbers, and their totals by day", Auth: req, Out: video.Studio{}}},
		{"GET /api/v1/studio/videos/{id}", h.Video, apidoc.Op{Summary: "One of the caller's videos with its numbers (404 for anyone else's)", Auth: req, Out: video.StudioVideo{}}},
	}
}

// inboxRoutes are package inboxapi's: the inbox, my reports and the
// appeal page's question.
func (s *Server) inboxRoutes() (out []route) {
	h := &inboxapi.Handlers{} // for Document, which has no server
	if s != nil {
		h = &inboxapi.Handlers{Auth: s.authenticate, Decode: decode, Error: s.error}
	}
	for _, rt := range h.Routes() {
		op := apidoc.Op{Summary: rt.Summary, Auth: apidoc.Required, In: rt.In, Out: rt.Out}
		if rt.Pattern == "POST /api/v1/me/inbox/read" {
			op.InOptional = true
		}
		out = append(out, route{rt.Pattern, rt.H, op})
	}
	return out
}

// discoverRoutes are package discoverapi's: search, Discover, sounds and
// downloads. Their answers are documented as JSON objects.
func (s *Server) discoverRoutes() []route {
	d := &discoverapi.Handlers{} // for Document, which has no server
	if s != nil {
		d = &discoverapi.Handlers{Viewer: s.viewerCell, Staff: s.staffCell, Decode: decode, Error: s.error, Cells: s.Cells,
			Media:   media.Options{Redirect: s.MediaRedirect, Log: s.Log},
			Forward: func(w http.ResponseWriter, r *http.Request, to kurz.Region) { s.forward(w, r, to, nil) }}
	}
	const opt = apidoc.Optional
	return []route{
		{"GET /api/v1/search", d.Search, apidoc.Op{Summary: "Search public videos, people or hashtags (type: videos, people, tags)", Auth: opt, Query: []string{"q", "type", "cursor"}, Out: apidoc.Object{}}},
		{"GET /api/v1/discover", d.Discover, apidoc.Op{Summary: "Trending hashtags and sounds, worldwide and in the viewer's region", Auth: opt, Out: apidoc.Object{}}},
		{"GET /api/v1/sounds/{id}/videos", d.SoundVideos, apidoc.Op{Summary: "Public videos that use a sound", Auth: opt, Query: []string{"cursor"}, Out: apidoc.Object{}}},
		{"POST /api/v1/moderation/{region}/sounds/{id}/block", d.BlockSound, apidoc.Op{Summary: "Block a sound of the region (moderators); answers the statement of reasons", Auth: apidoc.Required, In: safety.DecisionInput{}, Status: 201, Out: transparency.Statement{}}},
		{"GET /api/v1/videos/{id}/download", d.Download, apidoc.Op{Summary: "An MP4 of a public video whose creator allows downloads", Auth: opt, Out: apidoc.Raw("video/mp4"), Also: []int{206, 302, 304}}},
	}
}

// socialRoutes are package socialapi's: blocks and mutes.
func (s *Server) socialRoutes() (out []route) {
	h := &socialapi.Handlers{} // for Document, which has no server
	if s != nil {
		h = &socialapi.Handlers{Auth: s.authenticate, Error: s.error}
	}
	for _, rt := range h.Routes() {
		out = append(out, route{rt.Pattern, rt.H, rt.Op})
	}
	return out
}

// trustRoutes are package trust's (email confirmation, reset by mail,
// second factors, passkeys, sign-in alerts).
func (s *Server) trustRoutes() (out []route) {
	h := &trust.Handlers{} // for Document, which has no server
	if s != nil {
		h = &trust.Handlers{D: trustDoor{s}, Resets: s.resets}
	}
	for _, rt := range h.Routes() {
		out = append(out, route{rt.Pattern, rt.H, rt.Op()})
	}
	return out
}

// Document is the OpenAPI document of the public API (see routes).
func Document(version string) ([]byte, error) {
	var list []apidoc.Route
	for _, rt := range (*Server)(nil).routes() {
		list = append(list, apidoc.Route{Pattern: rt.pattern, Op: rt.op})
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

// settingsRoutes are package settingsapi's: settings, sessions, password,
// profile pictures.
func (s *Server) settingsRoutes() (out []route) {
	h := &settingsapi.Handlers{} // for Document, which has no server
	if s != nil {
		h = &settingsapi.Handlers{D: trustDoor{s}, Edge: s.Edge, Peers: s.Peers, Media: media.Options{Log: s.Log}}
	}
	for _, rt := range h.Routes() {
		out = append(out, route{rt.Pattern, rt.H, rt.Op})
	}
	return out
}

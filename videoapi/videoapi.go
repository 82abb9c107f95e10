// Package videoapi is the HTTP side of videos and their media: uploads
// (tus, each request checked against the upload's owner), a video's
// record (read, change, delete), and serving its playlists, segments,
// poster and preview (media tokens for non-public videos; another
// region's public media through the edge cache). Its handlers are
// mounted by the front door (httpapi), which hands them how it finds the
// viewer and a video's region, forwards requests and writes errors. Who
// may see, change or fetch what is decided by video and pipeline (and the
// visibility policy they ask); VideoFor is the one look-up of a video by
// ID for the API and the pages.
package videoapi

import (
	"context"
	"encoding/json"
	"net/http"

	"kurz"
	"kurz/apidoc"
	"kurz/catalog"
	"kurz/cell"
	"kurz/edge"
	"kurz/feedjson"
	"kurz/guard"
	"kurz/media"
	"kurz/pipeline"
	"kurz/policy"
	"kurz/region"
	"kurz/video"
)

// Handlers answer for the regions of one front door.
type Handlers struct {
	// Viewer returns the signed-in person (nil: anonymous) and the
	// region that answers them; Auth the same, but refuses anonymous
	// callers. Token is the request's session token ("" none).
	Viewer, Auth func(*http.Request) (*kurz.Profile, *region.Region, error)
	Token        func(*http.Request) string
	// CellOf returns the hosted region owning an object ID (EUnavailable
	// for a region hosted elsewhere).
	CellOf func(id string) (*region.Region, error)
	// Cells are the regions hosted here; Door is the one this process
	// answers for first; Peers the base URLs of regions hosted by other
	// processes, whose public media Edge caches.
	Cells map[kurz.Region]*region.Region
	Door  *region.Region
	Peers map[kurz.Region]string
	Edge  *edge.Cache
	// Media says how files are served (presigned redirects, the log).
	Media media.Options
	// Small holds the playlists and posters of public videos in memory
	// (nil: read from the store on every request).
	Small *media.Cache
	// Files keeps the segments and previews of public videos open for
	// the fast core (nil: opened on every request).
	Files *media.Files
	// Forward carries a request to a region hosted elsewhere.
	Forward func(w http.ResponseWriter, r *http.Request, to kurz.Region)
	// Decode reads a request's JSON body strictly.
	Decode func(http.ResponseWriter, *http.Request, any) error
	// Error writes an error in the API's one shape.
	Error func(http.ResponseWriter, *http.Request, error)

	records recordCache // catalogue videos' records, encoded once (records.go)
}

// Route is one route of the package, as httpapi's route table takes it.
type Route struct {
	Pattern string
	H       http.HandlerFunc
	Op      apidoc.Op
}

// The tus protocol's headers; its bodies are raw bytes.
var (
	tusIn   = []string{"Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Offset"}
	tusOut  = []string{"Tus-Resumable", "Upload-Offset", "Upload-Length", "Location", "Kurz-Video-Id"}
	tusBody = apidoc.Raw("application/offset+octet-stream")
)

// Routes lists the package's routes with their OpenAPI entries.
func (h *Handlers) Routes() []Route {
	const opt, req = apidoc.Optional, apidoc.Required
	return []Route{
		{"POST /api/v1/uploads/{$}", h.uploadCreate, apidoc.Op{Summary: "Start a tus upload (creation, creation-with-upload)", Auth: req, Headers: tusIn, Status: 201, OutHeaders: tusOut}},
		{"OPTIONS /api/v1/uploads/", h.uploadOptions, apidoc.Op{Summary: "tus discovery", Status: 204, Also: []int{200}, OutHeaders: []string{"Tus-Version", "Tus-Extension", "Tus-Max-Size"}}},
		{"HEAD /api/v1/uploads/{id}", h.uploadResume, apidoc.Op{Summary: "An upload's offset (tus)", Auth: req, Headers: tusIn, OutHeaders: tusOut}},
		{"PATCH /api/v1/uploads/{id}", h.uploadResume, apidoc.Op{Summary: "Send an upload's next bytes (tus)", Auth: req, Headers: tusIn, In: tusBody, Status: 204, OutHeaders: tusOut}},
		{"DELETE /api/v1/uploads/{id}", h.uploadResume, apidoc.Op{Summary: "Abandon an upload (tus termination)", Auth: req, Headers: tusIn, Status: 204}},
		{"GET /api/v1/videos/{id}", h.getVideo, apidoc.Op{Summary: "A video", Auth: opt, Out: video.VideoJSON{}}},
		{"PATCH /api/v1/videos/{id}", h.patchVideo, apidoc.Op{Summary: "Change a video's caption or visibility", Auth: req, In: video.VideoPatch{}, Out: video.VideoJSON{}}},
		{"DELETE /api/v1/videos/{id}", h.deleteVideo, apidoc.Op{Summary: "Delete a video", Auth: req, Status: 204}},
		{"GET /media/{id}/{file...}", h.serveMedia, apidoc.Op{Summary: "A video's playlists, segments, poster and preview (?t= for non-public videos)", Auth: apidoc.Public, Query: []string{"t"},
			Headers: []string{"Range", "If-None-Match"}, Out: apidoc.Raw("*/*"), Also: []int{206, 302, 304, 416}, NoError: true}},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// uploadCreate starts a tus upload in the signed-in person's home region.
func (h *Handlers) uploadCreate(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := guard.CheckUploadMetadata(r.Header.Get("Upload-Metadata")); err != nil {
		h.Error(w, r, err)
		return
	}
	// tusd builds the upload's Location from the Host header; it is made
	// relative (so it points at whichever door the client used, and never
	// at a host the client made up).
	c.Pipeline.Uploads.Middleware(http.HandlerFunc(c.Pipeline.Uploads.PostFile)).ServeHTTP(guard.RelativeLocation(w), r.WithContext(pipeline.WithViewer(r.Context(), p)))
}

// uploadResume serves HEAD, PATCH and DELETE on an upload, for its owner
// only: anyone else gets 404 on every request, not just at creation.
func (h *Handlers) uploadResume(w http.ResponseWriter, r *http.Request) {
	p, c, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	id := r.PathValue("id")
	videoID := pipeline.VideoOfUpload(id)
	if region, err := kurz.ParseID(videoID); err != nil || region != c.Region {
		h.Error(w, r, kurz.ErrNotFound)
		return
	}
	if _, err := c.Pipeline.UploadOwner(r.Context(), p, videoID); err != nil {
		h.Error(w, r, err)
		return
	}
	var tus http.HandlerFunc
	switch r.Method {
	case http.MethodHead:
		tus = c.Pipeline.Uploads.HeadFile
	case http.MethodPatch:
		tus = c.Pipeline.Uploads.PatchFile
	case http.MethodDelete:
		tus = c.Pipeline.Uploads.DelFile
	}
	// tusd reads the upload ID from a path with the base path stripped.
	r = r.WithContext(pipeline.WithViewer(r.Context(), p))
	r.URL.Path, r.URL.RawPath = id, ""
	c.Pipeline.Uploads.Middleware(tus).ServeHTTP(w, r)
}

// uploadOptions answers tus discovery (OPTIONS) without authentication.
func (h *Handlers) uploadOptions(w http.ResponseWriter, r *http.Request) {
	h.Door.Pipeline.Uploads.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
}

func (h *Handlers) getVideo(w http.ResponseWriter, r *http.Request) {
	viewer, vc, err := h.Viewer(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v, pv, err := h.videoFor(r.Context(), viewer, vc, r.PathValue("id"), policy.Record)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if pv != nil {
		if b := h.records.encode(pv, v); b != nil {
			feedjson.WriteBytes(w, b)
			return
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// VideoFor is the one look-up of a video by ID for the API and the pages
// (surface f), as the visibility policy answers the viewer (their age
// band and country from their home region vc, or for an anonymous viewer
// the countries of vc, the door), with the viewer's own like and follow.
// A public video comes from the catalogue, like the feeds (see
// fromCatalogue: only where that gives the very record the store would);
// any other video of a region this process hosts from its region's store,
// where the owner sees its state and followers what only they may.
func (h *Handlers) VideoFor(ctx context.Context, viewer *kurz.Profile, vc *region.Region, id string, f policy.Surface) (*video.VideoJSON, error) {
	v, _, err := h.videoFor(ctx, viewer, vc, id, f)
	return v, err
}

// videoFor is VideoFor, also naming the catalogue entry the record was
// made of (nil: it came from the store).
func (h *Handlers) videoFor(ctx context.Context, viewer *kurz.Profile, vc *region.Region, id string, f policy.Surface) (*video.VideoJSON, *catalog.PublicVideo, error) {
	c, err := h.CellOf(id)
	if kurz.ErrorCode(err) == kurz.EUnavailable {
		// Another process's region: its public videos are in the catalogue.
		pv, ok := vc.Index.Video(id)
		if !ok {
			return nil, nil, kurz.ErrNotFound
		}
		v, ok := recordOf(ctx, viewer, vc, pv, f)
		if !ok {
			return nil, nil, kurz.ErrNotFound
		}
		return v, pv, nil
	}
	if err != nil {
		return nil, nil, kurz.ErrNotFound
	}
	if v, pv, ok := fromCatalogue(ctx, viewer, vc, c, id, f); ok {
		return v, pv, nil
	}
	v, err := FromStore(ctx, viewer, vc, c, id, f)
	return v, nil, err
}

// FromStore is VideoFor's answer from the store of the video's region c
// (hosted here), whatever the video's state.
func FromStore(ctx context.Context, viewer *kurz.Profile, vc, c *region.Region, id string, f policy.Surface) (*video.VideoJSON, error) {
	v, err := c.Videos.Video(ctx, vc.PolicyViewer(ctx, viewer), id, f)
	if err != nil {
		return nil, err
	}
	if viewer != nil {
		// The viewer's likes and follows are in their home cell.
		v.Liked, v.Following = vc.Feed.Marks(ctx, viewer, v.ID, v.Creator.ID)
	}
	return v, nil
}

func (h *Handlers) patchVideo(w http.ResponseWriter, r *http.Request) {
	viewer, _, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var in video.VideoPatch
	if err := h.Decode(w, r, &in); err != nil {
		h.Error(w, r, err)
		return
	}
	c, err := h.CellOf(r.PathValue("id"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v, err := c.Videos.UpdateVideo(r.Context(), viewer, r.PathValue("id"), in)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handlers) deleteVideo(w http.ResponseWriter, r *http.Request) {
	viewer, _, err := h.Auth(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	c, err := h.CellOf(r.PathValue("id"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := c.Videos.DeleteVideo(r.Context(), viewer, r.PathValue("id")); err != nil {
		h.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveMedia serves a video's HLS playlists, segments, poster and
// preview, with byte ranges. Public ready videos are served to anyone;
// others need the media token from their API record, which playlists
// carry on to every segment. Anything else is 404, whatever the reason.
//
// Media open to everyone (the catalogue says so, asked on every request)
// takes the short way: no token, no policy viewer, playlists and the
// poster from memory (media.Cache), segments by sendfile.
func (h *Handlers) serveMedia(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	if !media.ValidName(file) {
		http.NotFound(w, r)
		return
	}
	region, err := kurz.ParseID(id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	var tok string
	hasTok := false
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		tok, hasTok = q.Get("t"), q.Has("t")
	}
	c, ok := h.Cells[region]
	if !ok {
		if hasTok {
			// Media tokens are for non-public videos, which are never
			// served or cached by another region's edge: the request goes
			// on to the video's region, which checks the token (data in
			// transit only).
			if h.Peers[region] == "" {
				http.NotFound(w, r)
				return
			}
			h.Forward(w, r, region)
			return
		}
		h.serveEdge(w, r, region, id, file)
		return
	}
	key := cell.MediaKey(id) + "/" + file
	opts := h.Media
	opts.Plain = c.Pipeline.OpenMedia
	if openToAll(c, id, hasTok) {
		if h.Small != nil && media.Cacheable(file) && h.Small.ServePublic(w, r, c.Blobs, id, key, opts) {
			return
		}
		media.Serve(w, r, c.Blobs, key, "", opts)
		return
	}
	// Not (or no longer) open to everyone: nothing of it stays cached.
	if h.Small != nil {
		h.Small.Forget(id)
	}
	if h.Files != nil {
		h.Files.Forget(id)
	}
	if hasTok && !c.Videos.CheckMediaToken(id, tok) {
		// A token that is not valid for this video is refused, also on
		// a public video: playlists pass on only tokens kurz made.
		http.NotFound(w, r)
		return
	}
	visible, err := c.Videos.MediaVisible(r.Context(), id, tok, h.Door.PolicyViewer(r.Context(), nil))
	if err == nil && !visible && tok == "" && h.Token(r) != "" {
		// Media of a video not everyone may see (age or country
		// restricted), asked with the person's session (the web app's
		// cookie): the policy answers for them.
		if p, vc, aerr := h.Auth(r); aerr == nil {
			visible, err = c.Videos.MediaVisible(r.Context(), id, "", vc.PolicyViewer(r.Context(), p))
		}
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if !visible {
		http.NotFound(w, r)
		return
	}
	// Whoever it was served to here, no shared cache may keep it.
	opts.Private = true
	media.Serve(w, r, c.Blobs, key, tok, opts)
}

// StillPublic reports whether a video's media is open to everyone (the
// Keep of the Small cache): a video hosted here and in its catalogue.
func (h *Handlers) StillPublic(id string) bool {
	region, err := kurz.ParseID(id)
	if err != nil {
		return false
	}
	c, ok := h.Cells[region]
	return ok && openToAll(c, id, false)
}

// serveEdge serves another region's public media through the edge cache.
func (h *Handlers) serveEdge(w http.ResponseWriter, r *http.Request, region kurz.Region, id, file string) {
	origin, ok := h.Peers[region]
	pv, public := h.Door.Index.Video(id)
	if !ok || !public || h.Edge == nil {
		http.NotFound(w, r)
		return
	}
	if !policy.Shows(h.Door.PolicyViewer(r.Context(), nil), pv, policy.Media) {
		p, vc, err := h.Auth(r)
		if err != nil || !policy.Shows(vc.PolicyViewer(r.Context(), p), pv, policy.Media) {
			http.NotFound(w, r)
			return
		}
	}
	key, err := h.Edge.Get(r.Context(), origin, id, file)
	if kurz.ErrorCode(err) == kurz.ENotFound {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	media.Serve(w, r, h.Edge.Store, key, "", h.Media)
}

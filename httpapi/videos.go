package httpapi

import (
	"context"
	"kurz/blob"
	"kurz/catalog"
	"kurz/cell"
	"kurz/feedjson"
	"kurz/guard"
	"kurz/media"
	"kurz/pipeline"
	"kurz/policy"
	"kurz/region"
	"kurz/video"
	"net/http"

	"kurz"
)

// viewer returns the signed-in person, or nil for an anonymous request.
// A token that is present but invalid is an error, so clients learn to
// sign in again instead of silently seeing less.
func (s *Server) viewer(r *http.Request) (*kurz.Profile, error) {
	if token(r) == "" {
		return nil, nil
	}
	p, _, err := s.authenticate(r)
	return p, err
}

// cellOf returns the hosted cell owning an object ID.
func (s *Server) cellOf(id string) (*region.Region, error) {
	region, err := kurz.ParseID(id)
	if err != nil {
		return nil, kurz.ErrNotFound
	}
	c, ok := s.Cells[region]
	if !ok {
		return nil, kurz.Errorf(kurz.EUnavailable, "region %s is not served by this server", region)
	}
	return c, nil
}

// uploadCreate starts a tus upload in the signed-in person's home region.
func (s *Server) uploadCreate(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := guard.CheckUploadMetadata(r.Header.Get("Upload-Metadata")); err != nil {
		s.error(w, r, err)
		return
	}
	// tusd builds the upload's Location from the Host header; it is made
	// relative (so it points at whichever door the client used, and never
	// at a host the client made up).
	c.Pipeline.Uploads.Middleware(http.HandlerFunc(c.Pipeline.Uploads.PostFile)).ServeHTTP(guard.RelativeLocation(w), r.WithContext(pipeline.WithViewer(r.Context(), p)))
}

// uploadResume serves HEAD, PATCH and DELETE on an upload, for its owner
// only: anyone else gets 404 on every request, not just at creation.
func (s *Server) uploadResume(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	id := r.PathValue("id")
	videoID := pipeline.VideoOfUpload(id)
	if region, err := kurz.ParseID(videoID); err != nil || region != c.Region {
		s.error(w, r, kurz.ErrNotFound)
		return
	}
	if _, err := c.Pipeline.UploadOwner(r.Context(), p, videoID); err != nil {
		s.error(w, r, err)
		return
	}
	var h http.HandlerFunc
	switch r.Method {
	case http.MethodHead:
		h = c.Pipeline.Uploads.HeadFile
	case http.MethodPatch:
		h = c.Pipeline.Uploads.PatchFile
	case http.MethodDelete:
		h = c.Pipeline.Uploads.DelFile
	}
	// tusd reads the upload ID from a path with the base path stripped.
	r = r.WithContext(pipeline.WithViewer(r.Context(), p))
	r.URL.Path, r.URL.RawPath = id, ""
	c.Pipeline.Uploads.Middleware(h).ServeHTTP(w, r)
}

// uploadOptions answers tus discovery (OPTIONS) without authentication.
func (s *Server) uploadOptions(w http.ResponseWriter, r *http.Request) {
	s.Door.Pipeline.Uploads.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
}

func (s *Server) getVideo(w http.ResponseWriter, r *http.Request) {
	viewer, vc, err := s.viewerCell(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	v, err := s.videoFor(r.Context(), viewer, vc, r.PathValue("id"), policy.Record)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// videoFor is the one look-up of a video by ID for the API and the pages
// (surface f): from its region when this process hosts it, else from the
// viewer's catalogue of public videos, as the visibility policy answers
// the viewer (their age band and country from their home region vc, or
// for an anonymous viewer the countries of vc, the door); with the
// viewer's own like and follow.
func (s *Server) videoFor(ctx context.Context, viewer *kurz.Profile, vc *region.Region, id string, f policy.Surface) (*video.VideoJSON, error) {
	who := vc.PolicyViewer(ctx, viewer)
	c, err := s.cellOf(id)
	if kurz.ErrorCode(err) == kurz.EUnavailable {
		// Another process's region: its public videos are in the catalogue.
		pv, ok := vc.Index.Video(id)
		if !ok || !policy.Shows(who, pv, f) {
			return nil, kurz.ErrNotFound
		}
		items, err := vc.Feed.Decorate(ctx, viewer, []*catalog.PublicVideo{pv})
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return nil, kurz.ErrNotFound // a block (Decorate)
		}
		return feedjson.Videos(items)[0], nil
	}
	if err != nil {
		return nil, kurz.ErrNotFound
	}
	v, err := c.Videos.Video(ctx, who, id, f)
	if err != nil {
		return nil, err
	}
	if viewer != nil {
		// The viewer's likes and follows are in their home cell.
		v.Liked, v.Following = vc.Feed.Marks(ctx, viewer, v.ID, v.Creator.ID)
	}
	return v, nil
}

func (s *Server) patchVideo(w http.ResponseWriter, r *http.Request) {
	viewer, _, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in video.VideoPatch
	if err := decode(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.cellOf(r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	v, err := c.Videos.UpdateVideo(r.Context(), viewer, r.PathValue("id"), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) deleteVideo(w http.ResponseWriter, r *http.Request) {
	viewer, _, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.cellOf(r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Videos.DeleteVideo(r.Context(), viewer, r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveMedia serves a video's HLS playlists, segments, poster and
// preview, with byte ranges. Public ready videos are served to anyone;
// others need the media token from their API record, which playlists
// carry on to every segment. Anything else is 404, whatever the reason.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	if !media.Name.MatchString(file) {
		http.NotFound(w, r)
		return
	}
	region, err := kurz.ParseID(id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	tok := r.URL.Query().Get("t")
	c, ok := s.Cells[region]
	if !ok {
		if r.URL.Query().Has("t") {
			// Media tokens are for non-public videos, which are never
			// served or cached by another region's edge: the request goes
			// on to the video's region, which checks the token (data in
			// transit only).
			if s.Peers[region] == "" {
				http.NotFound(w, r)
				return
			}
			s.forward(w, r, region, nil)
			return
		}
		s.serveEdge(w, r, region, id, file)
		return
	}
	if r.URL.Query().Has("t") && !c.Videos.CheckMediaToken(id, tok) {
		// A token that is not valid for this video is refused, also on
		// a public video: playlists pass on only tokens kurz made.
		http.NotFound(w, r)
		return
	}
	visible, err := c.Videos.MediaVisible(r.Context(), id, tok, s.Door.PolicyViewer(r.Context(), nil))
	if err == nil && !visible && tok == "" && token(r) != "" {
		// Media of a video not everyone may see (age or country
		// restricted), asked with the person's session (the web app's
		// cookie): the policy answers for them.
		if p, vc, aerr := s.authenticate(r); aerr == nil {
			visible, err = c.Videos.MediaVisible(r.Context(), id, "", vc.PolicyViewer(r.Context(), p))
		}
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	if !visible {
		http.NotFound(w, r)
		return
	}
	media.Serve(w, r, c.Blobs, cell.MediaKey(id)+"/"+file, tok,
		media.Options{Redirect: s.MediaRedirect, Log: s.Log, Plain: c.Pipeline.OpenMedia})
}

// serveEdge serves another region's public media through the edge cache.
func (s *Server) serveEdge(w http.ResponseWriter, r *http.Request, region kurz.Region, id, file string) {
	origin, ok := s.Peers[region]
	pv, public := s.Door.Index.Video(id)
	if !ok || !public || s.Edge == nil {
		http.NotFound(w, r)
		return
	}
	if !policy.Shows(s.Door.PolicyViewer(r.Context(), nil), pv, policy.Media) {
		p, vc, err := s.authenticate(r)
		if err != nil || !policy.Shows(vc.PolicyViewer(r.Context(), p), pv, policy.Media) {
			http.NotFound(w, r)
			return
		}
	}
	key, err := s.Edge.Get(r.Context(), origin, id, file)
	if kurz.ErrorCode(err) == kurz.ENotFound {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.serveMediaFile(w, r, s.Edge.Store, key, "")
}

// serveMediaFile serves one media file (see media.Serve); tok is the
// media token of a non-public video, or "".
func (s *Server) serveMediaFile(w http.ResponseWriter, r *http.Request, store blob.Store, key, tok string) {
	media.Serve(w, r, store, key, tok, media.Options{Redirect: s.MediaRedirect, Log: s.Log})
}

package httpapi

import "kurz/media"

// WholeMedia is the media route's short way for the fast core (app): a
// public video's file asked whole; see videoapi.Handlers.WholeMedia.
func (s *Server) WholeMedia(id, file string) (media.Whole, bool) {
	return s.videos().WholeMedia(id, file)
}

// MediaRoute is the media route's pattern, as metrics count it.
const MediaRoute = "GET /media/{id}/{file...}"

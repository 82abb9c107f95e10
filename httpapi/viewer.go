package httpapi

import (
	"net/http"

	"kurz"
	"kurz/region"
)

// How the front door finds who is asking and which region answers: every
// handler, and every package httpapi mounts, asks through these.

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

// viewerCell returns the signed-in person and their home cell, or for an
// anonymous request nil and the door cell (any region can serve public
// content from its catalogue).
func (s *Server) viewerCell(r *http.Request) (*kurz.Profile, *region.Region, error) {
	if token(r) == "" {
		return nil, s.Door, nil
	}
	return s.authenticate(r)
}

// staffCell returns the hosted cell named in the path, for staff tools:
// staff work on a region's data only in that region.
func (s *Server) staffCell(r *http.Request) (*kurz.Profile, *region.Region, error) {
	p, err := s.viewer(r)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return nil, nil, kurz.Errorf(kurz.EUnauthorized, "please sign in")
	}
	c, ok := s.Cells[kurz.Region(r.PathValue("region"))]
	if !ok {
		return nil, nil, kurz.ErrNotFound
	}
	return p, c, nil
}

package httpapi

import (
	"context"
	"net/http"

	"kurz"
	"kurz/apijson"
	"kurz/auth"
)

// resetPassword serves POST /api/v1/password-resets: the token names its
// region; a region hosted elsewhere gets the request forwarded. It is
// rate-limited like sign-in, per address.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in apijson.Reset
	body, err := readJSON(w, r, &in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if in.Token == "" || in.Password == "" {
		s.error(w, r, kurz.Errorf(kurz.EInvalid, "token and password are required"))
		return
	}
	if err := s.checkIP(r); err != nil {
		s.error(w, r, err)
		return
	}
	region, err := auth.TokenRegion(in.Token)
	if err != nil {
		s.error(w, r, kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); ask the operator for a new one"))
		return
	}
	if s.Cells[region] == nil && s.Peers[region] != "" {
		s.forward(w, r, region, body)
		return
	}
	if err := s.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ResetPassword sets a new password with a one-time link token of a region
// hosted here (the web form uses it too).
func (s *Server) ResetPassword(ctx context.Context, token, password string) error {
	region, err := auth.TokenRegion(token)
	c := s.Cells[region]
	if err != nil || c == nil {
		return kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); ask the operator for a new one")
	}
	return c.Accounts.ResetPassword(ctx, token, password)
}

package httpapi

import (
	"context"

	"kurz"
	"kurz/auth"
)

// ResetPassword sets a new password with a one-time link token of a region
// hosted here (the web form uses it; the API's POST
// /api/v1/password-resets is package trust's).
func (s *Server) ResetPassword(ctx context.Context, token, password string) error {
	region, err := auth.TokenRegion(token)
	c := s.Cells[region]
	if err != nil || c == nil {
		return kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); ask the operator for a new one")
	}
	return c.Accounts.ResetPassword(ctx, token, password)
}

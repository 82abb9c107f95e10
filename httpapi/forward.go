package httpapi

import (
	"net/http"
	"net/netip"
	"strings"

	"kurz"
	"kurz/auth"
	"kurz/guard"
	"kurz/link"
)

// route sends a signed-in person's API requests and video pages that
// arrive at a region other than their home to the home region (the token
// names it). The
// forwarding region stores nothing and logs only the route. Requests
// forwarded to us carry the client's address, vouched for by the link
// signature.
func (s *Server) route(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Verifier != nil && r.Header.Get(link.HeaderForward) != "" {
			ip, ok := s.Verifier.VerifyForward(r)
			if !ok {
				s.error(w, r, kurz.Errorf(kurz.EUnauthorized, "forwarded request not authenticated"))
				return
			}
			if addr, err := netip.ParseAddr(ip); err == nil {
				r = r.WithContext(guard.WithClientIP(r.Context(), addr))
			}
		}
		// Staff tools work in the region whose data they touch, whoever's
		// home region the staff member has.
		if region, ok := staffRegion(r.URL.Path); ok {
			if s.Cells[region] == nil && s.Peers[region] != "" {
				s.forward(w, r, region, nil)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		// The API and video pages: what a signed-in person may see of a
		// video (followers-only, a private account's, a minor's) is
		// decided in their home region, which holds their follows.
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/v/") {
			if t := token(r); t != "" {
				if region, err := auth.TokenRegion(t); err == nil && s.Cells[region] == nil && s.Peers[region] != "" {
					s.forward(w, r, region, nil)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// forward proxies r to region's server (see forward.Proxy). body
// replaces r.Body when the handler has already read it.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, region kurz.Region, body []byte) {
	if err := s.proxy().Forward(w, r, region, body, s.clientIP(r).String()); err != nil {
		s.error(w, r, err)
	}
}

// staffRegion returns the region named by a staff API path.
func staffRegion(path string) (kurz.Region, bool) {
	for _, prefix := range []string{"/api/v1/moderation/", "/api/v1/admin/regions/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			region, _, _ := strings.Cut(rest, "/")
			return kurz.Region(region), kurz.Region(region).Validate() == nil
		}
	}
	return "", false
}

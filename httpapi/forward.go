package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"net/netip"
	"strings"

	"kurz"
	"kurz/auth"
	"kurz/guard"
	"kurz/link"
)

// route sends a signed-in person's API requests that arrive at a region
// other than their home to the home region (the token names it). The
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
		if strings.HasPrefix(r.URL.Path, "/api/") {
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

// forward proxies r to region's server. body replaces r.Body when the
// handler has already read it.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, region kurz.Region, body []byte) {
	base, ok := s.Peers[region]
	if !ok {
		s.error(w, r, kurz.Errorf(kurz.EUnavailable, "region %s is not known here", region))
		return
	}
	if s.PlainPeers[region] {
		// Forwarded requests carry sessions and passwords: never in clear
		// over the network.
		s.error(w, r, kurz.Errorf(kurz.EUnavailable, "region %s is reached from here only over an unencrypted link; please use that region's own address", region))
		return
	}
	var rd io.Reader = r.Body
	if body != nil {
		rd = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), rd)
	if err != nil {
		s.error(w, r, err)
		return
	}
	for k, vs := range r.Header {
		if strings.HasPrefix(k, "Kurz-") || k == "Connection" || k == "X-Forwarded-For" {
			continue
		}
		out.Header[k] = vs
	}
	out.ContentLength = r.ContentLength
	if body != nil {
		out.ContentLength = int64(len(body))
	}
	link.SignForward(out, s.Verifier.Secrets, s.Door.Region, region, s.clientIP(r).String())
	resp, err := s.forwardClient.Do(out)
	if err != nil {
		s.error(w, r, &kurz.Error{Code: kurz.EUnavailable, Message: "your home region cannot be reached right now; please try again later", Cause: err})
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
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

package guard

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

type clientIPKey struct{}

// WithClientIP records the client's address for a request that another
// region forwarded (its link signature vouches for the address).
func WithClientIP(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, clientIPKey{}, addr)
}

// ClientIP is the caller's address: one vouched for by WithClientIP, or
// the peer, or for a trusted proxy the last address it appended to
// X-Forwarded-For (going back through further trusted proxies). Nobody
// else can choose the address kurz sees.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	if ip, ok := r.Context().Value(clientIPKey{}).(netip.Addr); ok {
		return ip
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(addr) {
		return addr
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = a.Unmap()
		if !isTrusted(addr) {
			break
		}
	}
	return addr
}

// RelativeLocation returns w with any absolute Location header made
// relative (path and query only) before it is sent. Libraries that build
// Location from the request's Host header (tusd does) thus never hand a
// client-chosen host back.
func RelativeLocation(w http.ResponseWriter) http.ResponseWriter {
	return &relativeLocation{ResponseWriter: w}
}

type relativeLocation struct {
	http.ResponseWriter
	fixed bool
}

func (w *relativeLocation) fix() {
	if w.fixed {
		return
	}
	w.fixed = true
	if loc := w.Header().Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil && u.IsAbs() {
			w.Header().Set("Location", u.RequestURI())
		}
	}
}

func (w *relativeLocation) WriteHeader(code int) { w.fix(); w.ResponseWriter.WriteHeader(code) }

func (w *relativeLocation) Write(p []byte) (int, error) { w.fix(); return w.ResponseWriter.Write(p) }

func (w *relativeLocation) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// FromTrustedProxy says whether r came straight from one of the trusted
// proxies, whose headers (X-Forwarded-For, X-Request-Id) are believed.
func FromTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// Package forward carries a request that reached one region's process to
// the process of the region it belongs to (a signed-in person's home, or
// the region a staff tool works in). The forwarding process stores
// nothing of it; the request is signed over the region link so that the
// receiver trusts the client address it carries.
package forward

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"time"

	"kurz"
	"kurz/link"
)

// Proxy forwards requests from the regions of this process to peers.
type Proxy struct {
	from    kurz.Region
	peers   map[kurz.Region]string
	plain   map[kurz.Region]bool
	secrets link.Secrets
	client  *http.Client
}

// New returns a proxy signing as region from. peers are the base URLs of
// the regions hosted elsewhere; plain names those reached over plain
// http:// on the network, to which nothing is forwarded (forwarded
// requests carry sessions and passwords).
func New(from kurz.Region, peers map[kurz.Region]string, plain map[kurz.Region]bool, secrets link.Secrets, tlsConf *tls.Config) *Proxy {
	return &Proxy{from: from, peers: peers, plain: plain, secrets: secrets, client: &http.Client{
		Transport:     &http.Transport{ResponseHeaderTimeout: 2 * time.Minute, MaxIdleConnsPerHost: 16, TLSClientConfig: tlsConf.Clone()},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Knows says whether region is hosted by a known peer.
func (p *Proxy) Knows(region kurz.Region) bool { return p.peers[region] != "" }

// Forward proxies r to region's process and copies the answer to w.
// body replaces r.Body when the caller has already read it; clientIP is
// the caller's address, passed on under the link signature. An error is
// returned only before anything is written.
func (p *Proxy) Forward(w http.ResponseWriter, r *http.Request, region kurz.Region, body []byte, clientIP string) error {
	base, ok := p.peers[region]
	if !ok {
		return kurz.Errorf(kurz.EUnavailable, "region %s is not known here", region)
	}
	if p.plain[region] {
		return kurz.Errorf(kurz.EUnavailable, "region %s is reached from here only over an unencrypted link; please use that region's own address", region)
	}
	var rd io.Reader = r.Body
	if body != nil {
		rd = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), rd)
	if err != nil {
		return err
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
	link.SignForward(out, p.secrets, p.from, region, clientIP)
	resp, err := p.client.Do(out)
	if err != nil {
		return &kurz.Error{Code: kurz.EUnavailable, Message: "your home region cannot be reached right now; please try again later", Cause: err}
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
	return nil
}

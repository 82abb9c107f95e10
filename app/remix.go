package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"kurz"
)

// publicMedia fetches a file of a public video through the public media
// path (GET /media/{id}/{file}) of the region that owns it, for remixes:
// this process's own handler for a region it hosts, the peer's door for
// another. The request carries no session and no token: it gets what
// any anonymous viewer gets, and a video that is not public is 404.
func (m *Main) publicMedia() func(ctx context.Context, videoID, file string) (io.ReadCloser, error) {
	handler := sync.OnceValue(func() http.Handler { return m.api.Handler() })
	client := sync.OnceValue(func() *http.Client { return peerClient(m.peerTLS, time.Minute) })
	return func(ctx context.Context, videoID, file string) (io.ReadCloser, error) {
		r, err := kurz.ParseID(videoID)
		if err != nil {
			return nil, kurz.Errorf(kurz.ENotFound, "no such video")
		}
		p := "/media/" + url.PathEscape(videoID) + "/" + file
		var resp *http.Response
		if _, ok := m.cells[r]; ok {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://kurz.internal"+p, nil)
			if err != nil {
				return nil, err
			}
			rec := &recorder{header: http.Header{}, code: http.StatusOK}
			handler().ServeHTTP(rec, req)
			resp = &http.Response{StatusCode: rec.code, Header: rec.header, Body: io.NopCloser(&rec.body)}
		} else if base := m.api.Peers[r]; base != "" {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
			if err != nil {
				return nil, err
			}
			if resp, err = client().Do(req); err != nil {
				return nil, err
			}
		} else {
			return nil, kurz.Errorf(kurz.ENotFound, "no such region")
		}
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
			// Media of object-stored regions is redirected to a presigned URL.
			resp.Body.Close()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
			if err != nil {
				return nil, err
			}
			if resp, err = client().Do(req); err != nil {
				return nil, err
			}
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return resp.Body, nil
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			resp.Body.Close()
			return nil, kurz.Errorf(kurz.ENotFound, "the video is not public")
		default:
			resp.Body.Close()
			return nil, fmt.Errorf("public media of %s: %s", videoID, resp.Status)
		}
	}
}

// recorder is the answer of this process's own handler to a media
// request made from inside it.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	code   int
	wrote  bool
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.wrote = true
	return w.body.Write(p)
}

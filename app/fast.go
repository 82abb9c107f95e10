package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"kurz/fastcore"
)

// The fast core (package fastcore) answers whole public media requests on
// the plain main listener before net/http: the commonest request of the
// platform (segments, playlists, posters) at a static file server's
// speed. It applies only where kurz speaks HTTP/1.1 in the clear (behind
// a TLS proxy, or on a private network); a TLS listener, the peers'
// listener and the metrics listener are net/http's alone. Whether a file
// is open to everyone is the media route's own rule
// (videoapi.Handlers.WholeMedia asks what serveMedia asks); anything
// else, and everything while the gate is closed, goes to net/http with
// the bytes the client sent.

// fastListener is the listener the main server serves: the fast core
// around the bound port where it applies, else the port itself.
func (m *Main) fastListener() net.Listener {
	if m.mainTLS != nil || m.Config.NoFastMedia {
		return m.ln
	}
	t := m.Config.Timeouts
	m.fast = fastcore.New(m.ln, fastcore.Timeouts{ReadHeader: t.ReadHeader, Write: t.Write, Idle: t.Idle, MinRate: t.MinRate})
	return m.fast
}

// openFast starts the fast core answering (with the gate).
func (m *Main) openFast() {
	if m.fast == nil {
		return
	}
	m.fast.OnPanic(func(p any) { m.Log.Error("panic answering media in the fast core", "panic", fmt.Sprint(p)) })
	m.fast.Open(m.fastMedia, m.observeMedia)
}

func (m *Main) fastMedia(head bool, id, file string) (fastcore.Answer, bool) {
	if m.Log.Enabled(context.Background(), slog.LevelDebug) {
		// Media requests are logged at debug level, by net/http's path.
		return fastcore.Answer{}, false
	}
	w, ok := m.api.WholeMedia(id, file)
	return fastcore.Answer{Header: w.Header, Body: w.Body, File: w.File, Size: w.Size, Shared: w.Shared}, ok
}

// FastAnswered is how many requests the fast core answered (0 without
// one): for tests and diagnostics (the metrics count them by route).
func (m *Main) FastAnswered() int64 {
	if m.fast == nil {
		return 0
	}
	return m.fast.Answered()
}

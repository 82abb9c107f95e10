package guard

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts bound how long a client may hold a connection. Read, Write and
// Idle apply to every request except the transfers that may rightly take
// long: upload bodies are held to a minimum rate instead of Read, and
// long downloads to the same minimum rate instead of Write (see
// Deadlines). A transfer slower than the floor is
// cut, so a trickled body or a client that stops reading frees its
// connection; an upload cut that way resumes from what arrived.
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the headers to the end of
	// the response.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request.
	Idle time.Duration
	// MinRate is the floor, in bytes per second, for upload bodies and
	// long downloads; each RateWindow must move MinRate × RateWindow bytes.
	MinRate    int64
	RateWindow time.Duration
}

// DefaultTimeouts suit people on slow mobile networks: a JSON request
// has 30 seconds, a response 60, and an upload or download may be as slow
// as 1 KiB/s measured over 20 seconds.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 60 * time.Second,
		MinRate: 1024, RateWindow: 20 * time.Second}
}

// Apply sets the server-wide timeouts on srv; the handler's middleware
// lifts them for the transfers held to the minimum rate.
func (t Timeouts) Apply(srv *http.Server) {
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout = t.ReadHeader, t.Read, t.Write, t.Idle
}

// Deadlines returns middleware that replaces the fixed read timeout by
// the minimum-rate rule for requests upload says carry a long body, and
// the fixed write timeout for those download says get a long answer.
// With no MinRate it changes nothing.
func Deadlines(t Timeouts, upload, download func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if t.MinRate <= 0 || t.RateWindow <= 0 {
				next.ServeHTTP(w, r)
				return
			}
			switch {
			case upload(r) && r.Body != nil && r.Body != http.NoBody:
				rc := http.NewResponseController(w)
				g := newRateGuard(t, func() { rc.SetReadDeadline(time.Now()) })
				// The body may take as long as it keeps the rate; the
				// answer then has the usual write timeout from its end.
				rc.SetReadDeadline(time.Time{})
				rc.SetWriteDeadline(time.Time{})
				r.Body = &rateBody{ReadCloser: r.Body, g: g, done: func() {
					if t.Write > 0 {
						rc.SetWriteDeadline(time.Now().Add(t.Write))
					}
				}}
				defer g.stop()
			case download(r):
				rw := &rateWriter{ResponseWriter: w, t: t}
				defer rw.stop()
				w = rw
			}
			next.ServeHTTP(w, r)
		})
	}
}

// rateGuard cuts a transfer that moves fewer than MinRate × RateWindow
// bytes in a window, by setting the connection's deadline to now (which
// ends a blocked read or write). It stops with the request, so it never
// touches the connection's next request.
type rateGuard struct {
	need   int64
	window time.Duration
	cut    func()
	moved  atomic.Int64

	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

func newRateGuard(t Timeouts, cut func()) *rateGuard {
	need := max(1, t.MinRate*int64(t.RateWindow)/int64(time.Second))
	return &rateGuard{need: need, window: t.RateWindow, cut: cut}
}

// begin starts the first window (at the first byte wanted or sent).
func (g *rateGuard) begin() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timer == nil && !g.stopped {
		g.timer = time.AfterFunc(g.window, g.check)
	}
}

func (g *rateGuard) check() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	if g.moved.Swap(0) < g.need {
		g.stopped = true
		g.cut()
		return
	}
	g.timer.Reset(g.window)
}

func (g *rateGuard) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.timer != nil {
		g.timer.Stop()
	}
}

// rateBody counts an upload body; at its end (or first error) the guard
// stops, since nothing more is to come.
type rateBody struct {
	io.ReadCloser
	g    *rateGuard
	done func()
	once sync.Once
}

func (b *rateBody) Read(p []byte) (int, error) {
	b.g.begin()
	n, err := b.ReadCloser.Read(p)
	b.g.moved.Add(int64(n))
	if err != nil {
		b.once.Do(func() { b.g.stop(); b.done() })
	}
	return n, err
}

// rateWriter counts a download. Until the answer passes smallAnswer
// bytes the usual write timeout applies (the handler is still working, or
// the answer is small: at the floor rate smallAnswer takes about as long
// as the write timeout allows anyway); from then on the rate. A small
// answer (a playlist, a poster) so costs no guard, timer or deadline
// change.
type rateWriter struct {
	http.ResponseWriter
	t       Timeouts
	g       *rateGuard // made when the answer passes smallAnswer
	written int64      // bytes before the guard started
}

// smallAnswer is the most an answer may write under the usual write
// timeout before the rate takes over.
const smallAnswer = 64 << 10

// start hands the answer over to the rate guard.
func (w *rateWriter) start() {
	if w.g == nil {
		rc := http.NewResponseController(w.ResponseWriter)
		w.g = newRateGuard(w.t, func() { rc.SetWriteDeadline(time.Now()) })
		rc.SetWriteDeadline(time.Time{})
		w.g.begin()
	}
}

func (w *rateWriter) stop() {
	if w.g != nil {
		w.g.stop()
	}
}

func (w *rateWriter) Write(p []byte) (int, error) {
	if w.g == nil && w.written+int64(len(p)) <= smallAnswer {
		n, err := w.ResponseWriter.Write(p)
		w.written += int64(n)
		return n, err
	}
	w.start()
	n, err := w.ResponseWriter.Write(p)
	w.g.moved.Add(int64(n))
	return n, err
}

// ReadFrom keeps the sendfile path for files, in chunks small enough for
// the guard to see progress.
func (w *rateWriter) ReadFrom(r io.Reader) (int64, error) {
	w.start()
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{w}, r)
	}
	// The chunks are one *io.LimitedReader over the file, never a limit
	// around a limit: the connection's sendfile looks through one level
	// only (http.ServeContent already hands over a LimitedReader), and
	// anything else falls back to copying through a fresh 32 KiB buffer
	// per chunk.
	src, remain := r, int64(-1)
	if lr, ok := r.(*io.LimitedReader); ok {
		src, remain = lr.R, lr.N
		defer func() { lr.N = remain }()
	}
	chunk := &io.LimitedReader{R: src}
	var total int64
	for remain != 0 {
		chunk.N = 64 << 10
		if remain > 0 {
			chunk.N = min(chunk.N, remain)
		}
		n, err := rf.ReadFrom(chunk)
		total += n
		if remain > 0 {
			remain -= n
		}
		w.g.moved.Add(n)
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *rateWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

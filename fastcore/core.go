// Package fastcore answers the commonest request of a video platform,
// a public media file asked for whole, at the speed of a static file
// server, in front of net/http on a plain listener. It wraps the
// listener: per connection it peeks at each request's head without
// consuming it and answers only a strict subset itself (see scan: GET or
// HEAD of /media/<id>/<file>, HTTP/1.1, no body, range, validator,
// cookie or credentials, a short head) for which its Handler says the
// file is open to everyone. Anything else hands the connection, with
// every byte the client sent still unread, to net/http, which owns it
// from then on. The core never answers an error: a refusal is net/http's.
//
// It keeps net/http's timeouts (read-header, idle, write), holding a
// long answer to a minimum rate instead of the write timeout, answers
// pipelined requests in order, and closes its connections on Shutdown.
// It imports nothing of kurz; app wires it (see ARCHITECTURE.md).
package fastcore

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Answer is a public media file, sent whole with status 200.
type Answer struct {
	// Header holds the answer's header lines ("Name: value\r\n" each)
	// but Content-Length, Date, X-Request-Id and Connection, which the
	// core writes.
	Header []byte
	// Body is the file from memory; else File is sent by sendfile
	// (Size bytes; the core closes it). Shared, if set, says File is
	// shared with other requests: the core sends it from explicit
	// offsets (never its position) and closes Shared, not File.
	Body   []byte
	File   *os.File
	Size   int64
	Shared io.Closer
}

// Handler answers a request for /media/<id>/<file> (head: HEAD, not
// GET), or reports false: net/http then answers it.
type Handler func(head bool, id, file string) (Answer, bool)

// Timeouts are net/http's server timeouts the core keeps, and the
// minimum rate (bytes per second) a long answer is held to instead of
// Write.
type Timeouts struct {
	ReadHeader, Write, Idle time.Duration
	MinRate                 int64
}

// Core is the listener http.Server serves: it accepts from the real
// listener and passes on the connections it hands off.
type Core struct {
	ln       net.Listener
	t        Timeouts
	handler  atomic.Pointer[opened]
	handed   chan net.Conn
	done     chan struct{}
	closing  atomic.Bool
	answered atomic.Int64
	// panicked, if set, is told of a panic while answering (the
	// connection is closed).
	panicked func(any)
	closeErr error
	once     sync.Once

	mu    sync.Mutex
	conns map[*conn]struct{}
	wg    sync.WaitGroup
}

type opened struct {
	h       Handler
	observe func(head bool, d time.Duration)
}

// New starts accepting on ln. Until Open, every connection is handed to
// net/http.
func New(ln net.Listener, t Timeouts) *Core {
	c := &Core{ln: ln, t: t, handed: make(chan net.Conn), done: make(chan struct{}), conns: map[*conn]struct{}{}}
	go c.accept()
	return c
}

// OnPanic sets what is told of a panic while answering; call it before
// Open.
func (c *Core) OnPanic(f func(any)) { c.panicked = f }

// Open starts answering with h; observe, if set, is told of each request
// the core answers.
func (c *Core) Open(h Handler, observe func(head bool, d time.Duration)) {
	c.handler.Store(&opened{h: h, observe: observe})
}

func (c *Core) accept() {
	var delay time.Duration
	for {
		nc, err := c.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			c.once.Do(func() { c.closeErr = err; close(c.done) })
			return
		}
		delay = 0
		cn := &conn{c: c, nc: nc}
		c.mu.Lock()
		if c.closing.Load() {
			c.mu.Unlock()
			nc.Close()
			continue
		}
		c.conns[cn] = struct{}{}
		c.wg.Add(1)
		c.mu.Unlock()
		go cn.serve()
	}
}

// Accept returns the next connection handed to net/http.
func (c *Core) Accept() (net.Conn, error) {
	select {
	case nc := <-c.handed:
		return nc, nil
	case <-c.done:
		if c.closeErr != nil {
			return nil, c.closeErr
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting (http.Server's Shutdown and Close call it).
func (c *Core) Close() error {
	err := c.ln.Close()
	c.once.Do(func() { close(c.done) })
	return err
}

// Answered is how many requests the core has answered itself.
func (c *Core) Answered() int64 { return c.answered.Load() }

// Addr is the real listener's address.
func (c *Core) Addr() net.Addr { return c.ln.Addr() }

// Shutdown closes the core's connections: idle ones at once, busy ones
// after the answer they are sending, all of them when ctx ends.
func (c *Core) Shutdown(ctx context.Context) error {
	c.Close()
	c.mu.Lock()
	c.closing.Store(true)
	for cn := range c.conns {
		cn.nc.SetReadDeadline(time.Now())
	}
	c.mu.Unlock()
	idle := make(chan struct{})
	go func() { c.wg.Wait(); close(idle) }()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for cn := range c.conns {
			cn.nc.Close()
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

type conn struct {
	c   *Core
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
	ids *mrand.ChaCha8
	raw syscall.RawConn
	// rdl and wdl are the deadlines last set: one is moved only when it
	// must come sooner or would gain more than a second (timers are
	// not free), so a deadline is at most a second shorter than asked.
	rdl, wdl time.Time
}

func (cn *conn) serve() {
	c := cn.c
	handedOff := false
	defer func() {
		// A panic ends this connection only, as net/http's recovery
		// would (the process and the other connections go on).
		if p := recover(); p != nil && c.panicked != nil {
			c.panicked(p)
		}
		c.mu.Lock()
		delete(c.conns, cn)
		c.mu.Unlock()
		c.wg.Done()
		if !handedOff {
			cn.nc.Close()
		}
	}()
	tc, ok := cn.nc.(*net.TCPConn)
	h := c.handler.Load()
	if !ok || h == nil {
		handedOff = c.handOff(cn.nc, nil)
		return
	}
	cn.br = bufio.NewReaderSize(cn.nc, maxHead)
	first := true
	for {
		if cn.br.Buffered() == 0 {
			wait := c.t.Idle
			if first {
				wait = c.t.ReadHeader
			}
			if !cn.deadline(wait) {
				return
			}
			if _, err := cn.br.Peek(1); err != nil {
				return
			}
		}
		headTimed := first
		var req request
		for {
			b, _ := cn.br.Peek(cn.br.Buffered())
			var v verdict
			if req, v = scan(b); v == fast {
				break
			}
			if v == handOff {
				handedOff = c.handOff(cn.nc, cn.br)
				return
			}
			if !headTimed {
				headTimed = true
				if !cn.deadline(c.t.ReadHeader) {
					return
				}
			}
			if _, err := cn.br.Peek(len(b) + 1); err != nil {
				return
			}
		}
		if h = c.handler.Load(); h == nil || c.closing.Load() {
			return
		}
		start := time.Now()
		a, ok := h.h(req.head, req.id, req.file)
		if !ok {
			handedOff = c.handOff(cn.nc, cn.br)
			return
		}
		cn.br.Discard(req.headBytes)
		c.answered.Add(1)
		if !cn.answer(tc, req, a, start) {
			return
		}
		if h.observe != nil {
			h.observe(req.head, time.Since(start))
		}
		if req.close || c.closing.Load() {
			return
		}
		first = false
	}
}

// deadline sets the read deadline d from now; false when the core is
// closing (Shutdown's deadline may have been overwritten).
func (cn *conn) deadline(d time.Duration) bool {
	if d > 0 {
		if want := time.Now().Add(d); moveDeadline(cn.rdl, want) {
			cn.rdl = want
			cn.nc.SetReadDeadline(want)
		}
	}
	return !cn.c.closing.Load()
}

// moveDeadline says whether a deadline set at was must move to want.
func moveDeadline(was, want time.Time) bool {
	return was.IsZero() || want.Before(was) || want.Sub(was) > time.Second
}

// answer writes a: its head (with a small body) in one write, a file by
// sendfile. The write deadline is the write timeout, or for a long answer
// the time MinRate allows.
func (cn *conn) answer(tc *net.TCPConn, req request, a Answer, now time.Time) bool {
	if a.Shared != nil {
		defer a.Shared.Close()
	} else if a.File != nil {
		defer a.File.Close()
	}
	size := a.Size
	if a.File == nil {
		size = int64(len(a.Body))
	}
	t := cn.c.t
	wait := t.Write
	if t.MinRate > 0 {
		wait = max(wait, time.Duration(size/t.MinRate+1)*time.Second)
	}
	if want := now.Add(wait); wait > 0 && moveDeadline(cn.wdl, want) {
		cn.wdl = want
		cn.nc.SetWriteDeadline(want)
	}
	b := append(cn.buf[:0], "HTTP/1.1 200 OK\r\n"...)
	b = append(b, a.Header...)
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, size, 10)
	b = append(b, "\r\nDate: "...)
	b = append(b, httpDate(now)...)
	b = append(b, "\r\nX-Request-Id: "...)
	b = cn.requestID(b)
	if req.close {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	body := !req.head
	if body && a.File == nil && len(a.Body) <= 16<<10 {
		b, body = append(b, a.Body...), false
	}
	cn.buf = b
	if body && a.File == nil {
		bufs := net.Buffers{b, a.Body}
		if _, err := bufs.WriteTo(tc); err != nil {
			return false
		}
		return true
	}
	if !body || size == 0 {
		_, err := tc.Write(b)
		return err == nil
	}
	if err := cn.writeMore(tc, b); err != nil {
		return false
	}
	if a.Shared != nil {
		return cn.sendAt(a.File, size) == nil
	}
	n, err := tc.ReadFrom(&io.LimitedReader{R: a.File, N: size})
	return err == nil && n == size
}

// sendAt sends size bytes of f from its start by sendfile with an
// explicit offset: f's position, shared with other requests, is neither
// read nor moved (f is a regular file, never in blocking-mode trouble
// through Fd; the caller holds it open). The socket's raw connection is
// made by writeMore.
func (cn *conn) sendAt(f *os.File, size int64) error {
	in := int(f.Fd())
	var off int64
	var serr error
	err := cn.raw.Write(func(out uintptr) bool {
		for off < size {
			n, err := syscall.Sendfile(int(out), in, &off, int(min(size-off, 1<<30)))
			if err == syscall.EAGAIN {
				return false
			}
			if err == syscall.EINTR {
				continue
			}
			if err != nil || n == 0 {
				if err == nil {
					err = io.ErrUnexpectedEOF // the file shrank
				}
				serr = err
				return true
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return serr
}

// writeMore writes b with MSG_MORE: the head waits for the file's
// first bytes to leave in the same packet (what a static server's
// TCP_CORK does, without two more system calls).
func (cn *conn) writeMore(tc *net.TCPConn, b []byte) error {
	if cn.raw == nil {
		var err error
		if cn.raw, err = tc.SyscallConn(); err != nil {
			return err
		}
	}
	var werr error
	err := cn.raw.Write(func(fd uintptr) bool {
		for len(b) > 0 {
			n, err := syscall.SendmsgN(int(fd), b, nil, nil, syscall.MSG_MORE)
			if err == syscall.EAGAIN {
				return false
			}
			if err != nil {
				werr = err
				return true
			}
			b = b[n:]
		}
		return true
	})
	if err != nil {
		return err
	}
	return werr
}

// requestID appends a new request ID (16 hex digits, like net/http's
// path): from a generator per connection seeded by crypto/rand.
func (cn *conn) requestID(b []byte) []byte {
	if cn.ids == nil {
		var seed [32]byte
		rand.Read(seed[:])
		cn.ids = mrand.NewChaCha8(seed)
	}
	var id [8]byte
	binary.LittleEndian.PutUint64(id[:], cn.ids.Uint64())
	return hex.AppendEncode(b, id[:])
}

// httpDate is now in the Date header's format, formatted once a second.
func httpDate(now time.Time) string {
	sec := now.Unix()
	if d := date.Load(); d != nil && d.sec == sec {
		return d.s
	}
	d := &stamp{sec: sec, s: now.UTC().Format(http.TimeFormat)}
	date.Store(d)
	return d.s
}

type stamp struct {
	sec int64
	s   string
}

var date atomic.Pointer[stamp]

// handOff passes nc to net/http with the bytes br holds still to be read
// (br nil: nothing read). It reports whether net/http took it.
func (c *Core) handOff(nc net.Conn, br *bufio.Reader) bool {
	nc.SetDeadline(time.Time{})
	var hc net.Conn = nc
	if br != nil && br.Buffered() > 0 {
		hc = &handed{Conn: nc, br: br}
	}
	select {
	case c.handed <- hc:
		return true
	case <-c.done:
		return false
	}
}

// handed is a connection whose first bytes the core peeked: they are
// read first. It keeps the sendfile path (ReadFrom) and half-close.
type handed struct {
	net.Conn
	br *bufio.Reader
}

func (h *handed) Read(p []byte) (int, error) {
	if h.br != nil {
		if h.br.Buffered() > 0 {
			return h.br.Read(p)
		}
		h.br = nil
	}
	return h.Conn.Read(p)
}

func (h *handed) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := h.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{h.Conn}, r)
}

func (h *handed) CloseWrite() error {
	if cw, ok := h.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

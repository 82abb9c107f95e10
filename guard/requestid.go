package guard

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
)

// HeaderRequestID names a request in logs and in its answer, so that an
// operator can find the log lines of the request a person reports.
const HeaderRequestID = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the ID of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID gives r an ID, in its context and in the answer's
// X-Request-Id header: the one a trusted proxy sent (letters, digits, '-',
// '_' and '.', at most 64), or a new one. A client's own header is not
// taken: an ID is the operator's name for a request, not the caller's.
//
// A new ID is this process's random prefix and the request's number in
// it (see newRequestID): unique across processes and restarts, which is
// all an ID is for (finding a request's log lines). It is no secret and
// proves nothing: nothing accepts it back from a client.
func WithRequestID(w http.ResponseWriter, r *http.Request, trusted []netip.Prefix) *http.Request {
	id := r.Header.Get(HeaderRequestID)
	// The caller's address is looked at only when there is an ID to keep.
	if id == "" || !validRequestID(id) || !FromTrustedProxy(r, trusted) {
		id = newRequestID()
	}
	w.Header()[HeaderRequestID] = []string{id}
	return r.WithContext(requestIDContext{r.Context(), id})
}

// requestIDContext carries a request's ID (one allocation, where
// context.WithValue and a boxed string would make two).
type requestIDContext struct {
	context.Context
	id string
}

func (c requestIDContext) Value(key any) any {
	if key == (requestIDKey{}) {
		return c.id
	}
	return c.Context.Value(key)
}

// The process's request ID prefix (random, made at start) and counter.
var (
	idPrefix  = strings.ToLower(rand.Text()[:12])
	idCounter atomic.Uint64
)

// newRequestID is the process's prefix, '-', and the next number in
// base 36: at most 26 characters, one allocation, no system call.
func newRequestID() string {
	var b [32]byte
	n := copy(b[:], idPrefix)
	b[n] = '-'
	return string(strconv.AppendUint(b[:n+1], idCounter.Add(1), 36))
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// LogRequestIDs wraps a log handler so that every line logged with a
// request's context carries its request_id.
func LogRequestIDs(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

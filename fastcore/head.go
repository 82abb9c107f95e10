package fastcore

import "bytes"

// verdict is what the head scanner makes of the bytes buffered so far.
type verdict int

const (
	// more: the bytes so far could begin a request the core answers; the
	// head is not complete yet.
	more verdict = iota
	// handOff: net/http answers (anything not in the strict subset).
	handOff
	// fast: a complete head in the subset.
	fast
)

// request is a head the core may answer.
type request struct {
	head      bool   // HEAD, not GET
	id, file  string // /media/<id>/<file>
	close     bool   // Connection: close
	headBytes int    // length of the head, final CRLF included
}

// maxHead bounds the head the core reads; a longer one is handed off.
const maxHead = 4096

var (
	getPrefix  = []byte("GET /media/")
	headPrefix = []byte("HEAD /media/")
	proto      = []byte(" HTTP/1.1\r\n")
)

// scan reads the head at the start of b. It is conservative: anything it
// does not fully understand is handed off, untouched, to net/http. It
// answers fast only for
//
//	GET|HEAD /media/<id>/<file> HTTP/1.1 CRLF
//	(Name: value CRLF)*  with every name on the allowlist below
//	CRLF
//
// where the path has only letters, digits, '.', '_', '-' and '/' (no
// query, no escapes, no "//" or dot segment that net/http would clean),
// exactly one Host, and no header that could change the answer (body,
// range, validators, upgrades, proxies' request IDs, the region link's
// forwarding).
func scan(b []byte) (request, verdict) {
	var req request
	var rest []byte
	switch {
	case len(b) > 0 && b[0] == 'G':
		if !bytes.HasPrefix(b, getPrefix) {
			return req, prefixVerdict(b, getPrefix)
		}
		rest = b[len(getPrefix):]
	case len(b) > 0 && b[0] == 'H':
		if !bytes.HasPrefix(b, headPrefix) {
			return req, prefixVerdict(b, headPrefix)
		}
		req.head = true
		rest = b[len(headPrefix):]
	case len(b) == 0:
		return req, more
	default:
		return req, handOff
	}
	// The path, up to the space before the protocol.
	sp := -1
	for i, c := range rest {
		if c == ' ' {
			sp = i
			break
		}
		if !pathByte(c) {
			return req, handOff
		}
	}
	if sp < 0 {
		if len(b) >= maxHead {
			return req, handOff
		}
		return req, more
	}
	p := rest[:sp]
	slash := bytes.IndexByte(p, '/')
	if slash <= 0 || slash == len(p)-1 || !cleanPath(p) {
		return req, handOff
	}
	rest = rest[sp:]
	if len(rest) < len(proto) {
		if bytes.HasPrefix(proto, rest) {
			return req, more
		}
		return req, handOff
	}
	if !bytes.HasPrefix(rest, proto) {
		return req, handOff
	}
	rest = rest[len(proto):]
	hosts := 0
	for {
		if len(rest) < 2 {
			if len(rest) == 0 || rest[0] == '\r' {
				return req, moreOrOff(b)
			}
		}
		if rest[0] == '\r' {
			if rest[1] != '\n' {
				return req, handOff
			}
			rest = rest[2:]
			break
		}
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			for _, c := range rest {
				if !headerByte(c) && c != '\r' {
					return req, handOff
				}
			}
			return req, moreOrOff(b)
		}
		if nl == 0 || rest[nl-1] != '\r' {
			return req, handOff // bare LF
		}
		line := rest[:nl-1]
		rest = rest[nl+1:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return req, handOff
		}
		name, value := line[:colon], line[colon+1:]
		for _, c := range name {
			if !tokenByte(c) {
				return req, handOff
			}
		}
		for _, c := range value {
			if !headerByte(c) {
				return req, handOff
			}
		}
		value = bytes.Trim(value, " \t")
		switch h := allowed(name); h {
		case hOther:
			return req, handOff
		case hHost:
			hosts++
			if len(value) == 0 {
				return req, handOff
			}
			for _, c := range value {
				if !hostByte(c) {
					return req, handOff
				}
			}
		case hConnection:
			switch {
			case asciiEqualFold(value, "close"):
				req.close = true
			case asciiEqualFold(value, "keep-alive"):
			default:
				return req, handOff
			}
		}
	}
	if hosts != 1 {
		return req, handOff
	}
	req.id, req.file = string(p[:slash]), string(p[slash+1:])
	req.headBytes = len(b) - len(rest)
	return req, fast
}

// prefixVerdict: b may still become prefix (more) or cannot (handOff).
func prefixVerdict(b, prefix []byte) verdict {
	if len(b) < len(prefix) && bytes.HasPrefix(prefix, b) {
		return more
	}
	return handOff
}

func moreOrOff(b []byte) verdict {
	if len(b) >= maxHead {
		return handOff
	}
	return more
}

// pathByte: the only bytes a media path the core answers may hold.
func pathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/'
}

// hostByte: a host name or address and port.
func hostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'
}

// cleanPath: no empty segment and no "." or ".." segment (what net/http's
// mux would redirect or clean).
func cleanPath(p []byte) bool {
	for _, seg := range bytes.Split(p, []byte("/")) {
		if len(seg) == 0 || string(seg) == "." || string(seg) == ".." {
			return false
		}
	}
	return true
}

// tokenByte: a header name's bytes (RFC 9110 token).
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

// headerByte: a header value's bytes: visible ASCII, space and tab.
func headerByte(c byte) bool { return c == '\t' || c >= ' ' && c < 0x7f }

type header int

const (
	hOther header = iota
	hHost
	hConnection
	hHarmless
)

// harmless are the headers that cannot change a public media answer.
// Every other header (Range, If-*, Content-Length, Transfer-Encoding,
// Expect, Upgrade, X-Request-Id, the link's Forward header, ...) hands
// the request off. A session (Cookie, Authorization) is read by the media
// route only for a video not open to everyone, which the core never
// answers: the web app's requests carry the session cookie, and they are
// the ones to keep on the fast path.
var harmless = []string{
	"cookie", "authorization",
	"user-agent", "accept", "accept-encoding", "accept-language", "referer", "origin", "dnt", "pragma",
	"cache-control", "priority", "upgrade-insecure-requests", "x-forwarded-for", "x-forwarded-proto",
	"x-real-ip", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user", "sec-ch-ua",
	"sec-ch-ua-mobile", "sec-ch-ua-platform",
}

func allowed(name []byte) header {
	switch {
	case asciiEqualFold(name, "host"):
		return hHost
	case asciiEqualFold(name, "connection"):
		return hConnection
	}
	for _, h := range harmless {
		if asciiEqualFold(name, h) {
			return hHarmless
		}
	}
	return hOther
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

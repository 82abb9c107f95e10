package link

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
	"unicode"

	"kurz"
)

// HeaderTopology carries the sender's topology hash (regions, directory
// region, country table): processes configured differently refuse each
// other instead of, say, letting two regions each believe they hold the
// handle directory. It is not signed; it names a configuration, not a
// claim anyone relies on.
const HeaderTopology = "Kurz-Link-Topology"

// Refusal reasons: why Verify refused a request. The receiver logs them;
// its unsigned 401 names them so that the sender's operator sees the cause
// too (an unsigned answer proves nothing, so the sender reports it as what
// the peer said).
const (
	RefusedMalformed = "malformed link headers"
	RefusedSelf      = "a region addressing itself over the network"
	RefusedUnknown   = "the sending region is not one of this process's peers"
	RefusedNotServed = "the addressed region is not served by this process (is the peer URL right?)"
	RefusedClock     = "the clocks differ by more than 60 s"
	RefusedSignature = "bad signature (the link secrets differ)"
	RefusedReplay    = "a replayed request"
	RefusedTopology  = "the processes' topologies differ (regions, directory region or country table)"
)

// refusal is an ErrUnauthenticated with its reason.
type refusal string

func (r refusal) Error() string { return "link: unauthenticated request: " + string(r) }
func (r refusal) Unwrap() error { return ErrUnauthenticated }

// RefusalReason returns why Verify refused a request, or "".
func RefusalReason(err error) string {
	var r refusal
	if errors.As(err, &r) {
		return string(r)
	}
	return ""
}

// Problem says, for an operator, why a call to a peer failed: the peer
// unreachable (and how), its refusal with the reason it gave, an answer
// without a valid signature, an identity it cannot vouch for. It never
// holds personal data: link errors carry none.
func Problem(err error) string {
	if err == nil {
		return ""
	}
	var e *kurz.Error
	errors.As(err, &e)
	var netErr net.Error
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, ErrForeignID):
		return "its answer named an identity it cannot vouch for (refused)"
	case errors.Is(err, ErrBadAnswer) && e != nil:
		return e.Message
	case errors.Is(err, syscall.ECONNREFUSED):
		return "unreachable: connection refused"
	case errors.As(err, &dnsErr):
		return "unreachable: the host name does not resolve"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return "unreachable: its TLS certificate is not trusted"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "unreachable: timed out"
	case e != nil && e.Code == kurz.EUnavailable && e.Cause != nil:
		return e.Message + ": " + firstLine(e.Cause.Error())
	case e != nil:
		return e.Message
	}
	return firstLine(err.Error())
}

// peerSaid makes a reason an unsigned answer gave printable and short: it
// is shown as what the peer said, never trusted.
func peerSaid(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return peerSaid(s)
}

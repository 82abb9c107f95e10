package guard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"kurz"
	"kurz/auth"
)

// Passwords is the one place every password check passes (sign-in,
// erasure, and any check added later), so all of them share one set of
// throttles:
//
//   - per address (IPv6: per /64), PerIP per IPWindow, whatever the
//     account;
//   - per account and address, PerAccount per AccountWindow: a stranger
//     guessing from one address locks out only that address;
//   - per account across addresses, the same numbers, but only for callers
//     the account does not know. A caller is known by a device cookie that
//     a successful sign-in set in their browser, or by an address the
//     account signed in from in the last 30 days. Known callers are never
//     locked out by what strangers do (each device has its own limit, and
//     while the account is under attack their checks wait a moment
//     instead), so 25 wrong passwords from 25 addresses cannot lock the
//     owner out.
//
// At most a few argon2id runs (19 MiB each) happen at once, so parallel
// guesses cannot exhaust memory.
type Passwords struct {
	ip, pair, account, device *auth.Limiter
	delay                     time.Duration
	key                       []byte
	slots                     chan struct{}

	mu    sync.Mutex
	known map[string]time.Time // keyed hash of account and address → until
	swept time.Time
}

// PasswordLimits are the numbers of Passwords.
type PasswordLimits struct {
	PerIP         int
	IPWindow      time.Duration
	PerAccount    int
	AccountWindow time.Duration
	// UnderAttackDelay is how long a check from an account's own device
	// or address waits while strangers have locked the account out for
	// everyone else.
	UnderAttackDelay time.Duration
}

// DeviceCookie names the cookie that marks a browser an account signed in
// from.
const DeviceCookie = "kurz_device"

const (
	deviceTTL     = 365 * 24 * time.Hour
	knownPlaceTTL = 30 * 24 * time.Hour
	maxKnown      = 200_000
)

// NewPasswords makes the throttles; key keys device cookies and the memory
// of known addresses (every node of a region needs the same key), slots
// bounds the password hash runs at once.
func NewPasswords(l PasswordLimits, key []byte, slots int) *Passwords {
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	return &Passwords{
		ip:      auth.NewLimiter(l.PerIP, l.IPWindow),
		pair:    auth.NewLimiter(l.PerAccount, l.AccountWindow),
		account: auth.NewLimiter(l.PerAccount, l.AccountWindow),
		device:  auth.NewLimiter(l.PerAccount, l.AccountWindow),
		delay:   l.UnderAttackDelay,
		key:     key,
		slots:   make(chan struct{}, max(1, slots)),
		known:   map[string]time.Time{},
	}
}

// CheckIP counts a password attempt against the caller's address alone.
// It comes first, before the account is known (and at a door that
// forwards the request to the account's home region).
func (g *Passwords) CheckIP(ip netip.Addr) error {
	if ok, wait := g.ip.Allow(auth.IPKey(ip)); !ok {
		return RateLimited(wait)
	}
	return nil
}

// Check runs check, a password check for account (a person's ID, or a
// stand-in for a login that names nobody) by the caller at ip, under the
// throttles; CheckIP must have counted the attempt already. On success it
// marks the caller as known to the account: it remembers the address and
// sets (or renews) the device cookie on w, Secure when secure.
func (g *Passwords) Check(w http.ResponseWriter, r *http.Request, account string, ip netip.Addr, secure bool, check func() error) error {
	place := g.placeKey(account, auth.IPKey(ip))
	if ok, wait := g.pair.Allow("pair:" + place); !ok {
		return RateLimited(wait)
	}
	device, trusted := g.deviceOf(r, account)
	if trusted {
		if ok, wait := g.device.Allow(account + "|" + device); !ok {
			return RateLimited(wait)
		}
	} else if g.knows(place) {
		trusted = true
	}
	if trusted {
		// Strangers cannot lock the account's own devices and addresses
		// out; while they are trying, the owner's checks wait briefly.
		if g.account.Over(account) && g.delay > 0 {
			select {
			case <-time.After(g.delay):
			case <-r.Context().Done():
				return r.Context().Err()
			}
		}
	} else if ok, wait := g.account.Allow(account); !ok {
		return RateLimited(wait)
	}
	if err := g.acquire(r.Context()); err != nil {
		return err
	}
	err := check()
	<-g.slots
	if err != nil {
		return err
	}
	// The right password ends the counts of this caller and, as a sign
	// the owner is back, of the account.
	g.pair.Reset("pair:" + place)
	g.account.Reset(account)
	if device != "" {
		g.device.Reset(account + "|" + device)
	}
	g.remember(place)
	if device == "" {
		device = g.newDevice()
	}
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: g.deviceValue(account, device), Path: "/api/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode, MaxAge: int(deviceTTL.Seconds())})
	return nil
}

// RateLimited is the 429 for a limit that frees up after wait.
func RateLimited(wait time.Duration) error {
	return &kurz.Error{Code: kurz.ERateLimited, Message: "too many attempts; please wait and try again",
		RetryAfter: int(math.Ceil(wait.Seconds()))}
}

// acquire takes one of the slots for a password hash run.
func (g *Passwords) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &kurz.Error{Code: kurz.EUnavailable, Message: "the server is busy; please try again", Cause: ctx.Err()}
	}
}

// placeKey stands for an account at an address, keyed so that the memory
// of known addresses holds no address.
func (g *Passwords) placeKey(account, ip string) string {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte("place\x00" + account + "\x00" + ip))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (g *Passwords) knows(place string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.known[place]
	return ok && time.Now().Before(until)
}

func (g *Passwords) remember(place string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	if len(g.known) >= maxKnown || now.Sub(g.swept) > time.Hour {
		for k, until := range g.known {
			if now.After(until) {
				delete(g.known, k)
			}
		}
		g.swept = now
	}
	if len(g.known) < maxKnown {
		g.known[place] = now.Add(knownPlaceTTL)
	}
}

// A device cookie is a random device ID and a MAC binding it to one
// account; it names the browser, not the person, and opens nothing by
// itself.
func (g *Passwords) newDevice() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (g *Passwords) mac(account, device string) string {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte("device\x00" + account + "\x00" + device))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (g *Passwords) deviceValue(account, device string) string {
	return device + "." + g.mac(account, device)
}

// deviceOf returns the device ID of r's device cookie if it was set by a
// sign-in of account.
func (g *Passwords) deviceOf(r *http.Request, account string) (string, bool) {
	c, err := r.Cookie(DeviceCookie)
	if err != nil {
		return "", false
	}
	device, mac, ok := strings.Cut(c.Value, ".")
	if !ok || len(device) != 16 || !hmac.Equal([]byte(mac), []byte(g.mac(account, device))) {
		return "", false
	}
	return device, true
}

// DeviceKey derives the device cookie key from a secret every node of a
// region shares.
func DeviceKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("kurz device cookie v1"))
	return m.Sum(nil)
}

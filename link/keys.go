package link

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"

	"kurz"
)

// Secrets gives the key that authenticates link messages sent by region
// from to region to. Responses are signed with the key of the opposite
// direction, Secrets(to, from).
type Secrets func(from, to kurz.Region) []byte

// MinSecretLen is the shortest secret Keys accepts.
const MinSecretLen = 32

// Pair names an unordered pair of regions; make one with PairOf.
type Pair [2]kurz.Region

// PairOf returns the pair of a and b, in the same order whichever way
// round they are given.
func PairOf(a, b kurz.Region) Pair {
	if b < a {
		a, b = b, a
	}
	return Pair{a, b}
}

// Keys is the key material of the region link in one process.
//
// No configured secret ever authenticates a message itself: the key for
// messages from region a to region b is HKDF-SHA256 of the pair's secret
// (Pairs[PairOf(a, b)] when configured, else Shared) with the info
// "kurz link v1 key\x00a\x00b". Each direction of each pair has its own
// key, so a signature made for a→b is worthless for b→a or for any other
// pair, and a region that holds only its own pair secrets cannot speak
// for another region.
//
// With only Shared configured, every region that holds it can derive every
// key: the regions form one trust domain. Pair secrets (one per pair,
// known to both ends only) are what make the sender's identity mean
// something between operators that do not trust each other.
//
// The email locator is not a link key: LocatorKey derives it from Locator
// (or, when that is unset, from Shared with its own HKDF info, which is
// the derivation kurz has always used, so existing accounts stay
// findable). Every region of a deployment must use the same locator key,
// and changing it makes existing accounts unfindable by email.
type Keys struct {
	// Shared is the deployment-wide link secret, at least 32 bytes.
	Shared []byte
	// Pairs holds the secrets of pairs configured apart from Shared, for
	// example with --peer-secret. Both regions of a pair hold the same one.
	Pairs map[Pair][]byte
	// Locator, when set, is the secret the email locator key is derived
	// from; it never authenticates a link message.
	Locator []byte
}

// Validate reports configuration mistakes: short secrets, malformed
// region names and pairs of a region with itself.
func (k *Keys) Validate() error {
	if len(k.Shared) < MinSecretLen {
		return fmt.Errorf("link: the shared secret must have at least %d bytes", MinSecretLen)
	}
	if k.Locator != nil && len(k.Locator) < MinSecretLen {
		return fmt.Errorf("link: the locator secret must have at least %d bytes", MinSecretLen)
	}
	for p, s := range k.Pairs {
		if err := errors.Join(p[0].Validate(), p[1].Validate()); err != nil {
			return fmt.Errorf("link: pair secret: %w", err)
		}
		if p != PairOf(p[0], p[1]) || p[0] == p[1] {
			return fmt.Errorf("link: pair secret for %s-%s: make pairs of two regions with PairOf", p[0], p[1])
		}
		if len(s) < MinSecretLen {
			return fmt.Errorf("link: the secret of pair %s-%s must have at least %d bytes", p[0], p[1], MinSecretLen)
		}
	}
	return nil
}

// Secrets returns the per-direction keys. A direction without any secret
// gets a nil key, which neither side accepts.
func (k *Keys) Secrets() Secrets {
	shared, pairs := k.Shared, k.Pairs
	return func(from, to kurz.Region) []byte {
		secret, ok := pairs[PairOf(from, to)]
		if !ok {
			secret = shared
		}
		return DirectionKey(secret, from, to)
	}
}

// DirectionKey derives the key for messages from region from to region
// to from a pair's secret (see Keys). It returns nil for an empty secret.
func DirectionKey(secret []byte, from, to kurz.Region) []byte {
	if len(secret) == 0 {
		return nil
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "kurz link v1 key\x00"+string(from)+"\x00"+string(to), 32)
	if err != nil {
		return nil
	}
	return key
}

// LocatorKey returns the key of the email locator, the keyed hash of an
// email that regions exchange to find an account's home.
func (k *Keys) LocatorKey() []byte {
	if k.Locator != nil {
		return LocatorKey(k.Locator)
	}
	return LocatorKey(k.Shared)
}

// LocatorKey derives an email locator key from secret: the derivation
// kurz has always applied to the shared link secret, so accounts made
// before Keys stay findable by email.
func LocatorKey(secret []byte) []byte {
	key, _ := hkdf.Key(sha256.New, secret, nil, "kurz email locator v1", 32)
	return key
}

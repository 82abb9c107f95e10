// Package guard holds the front door's defences that belong to no
// concern: timeouts and minimum transfer rates, strict JSON decoding and
// text checks, the client's address behind trusted proxies (and no Host
// header in a Location), and the throttles every password check passes. httpapi applies them to every
// request; nothing here knows routes, regions or services. It imports only
// the root package and auth.
package guard

import "time"

// Limits are the rate limits of the front door.
type Limits struct {
	LoginsPerIP        int           // per IP (IPv6: per /64) per LoginIPWindow
	LoginIPWindow      time.Duration //
	LoginsPerAccount   int           // per account per LoginAccountWindow
	LoginAccountWindow time.Duration
	SignupsPerIP       int // per IP per hour
	// LikesPerMinute bounds likes, unlikes, follows and unfollows per
	// person; CommentsPerMinute bounds comments.
	LikesPerMinute, CommentsPerMinute int
	// ReportsPerHour bounds notices per person (or network, when
	// anonymous), and separately appeals per person.
	ReportsPerHour int
	// UnderAttackDelay is how long a password check from an account's own
	// device or address waits while strangers have locked the account out
	// for everyone else (see guard.Passwords).
	UnderAttackDelay time.Duration
}

// DefaultLimits follow what large platforms use against credential
// stuffing: 25 logins per 5 minutes per IP, 25 per hour per account.
func DefaultLimits() Limits {
	return Limits{LoginsPerIP: 25, LoginIPWindow: 5 * time.Minute, LoginsPerAccount: 25, LoginAccountWindow: time.Hour, SignupsPerIP: 30,
		LikesPerMinute: 60, CommentsPerMinute: 10, ReportsPerHour: 20, UnderAttackDelay: time.Second}
}

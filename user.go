package kurz

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"kurz/textnorm"
)

// Profile is the public face of a person: what every region may replicate.
// Data class: public.
type Profile struct {
	ID          string
	Handle      string
	DisplayName string
	Bio         string
	// Private accounts show their videos to approved followers only. Minors
	// (13-15) start private.
	Private   bool
	CreatedAt time.Time
	// Followers and Following are public counters.
	Followers int64
	Following int64
	// Avatar is the version of the profile picture ("" for none): see
	// AvatarURL.
	Avatar string
	// SecondFactor, on the profile of a signed-in person, says their
	// session was opened with a second factor. It is never stored or
	// published.
	SecondFactor bool `json:"-"`
}

// Region returns the profile's home region, from its ID.
func (p *Profile) Region() Region {
	r, _ := ParseID(p.ID)
	return r
}

// Account is the personal part of a person. It never leaves the home
// region; the encrypted fields are sealed with the person's data key.
// Data class: personal.
type Account struct {
	UserID string
	// EmailIndex is the blind index of the email: a keyed hash for lookups.
	EmailIndex []byte
	// EmailSealed, BirthDateSealed and CountrySealed are ciphertexts.
	EmailSealed     []byte
	BirthDateSealed []byte
	CountrySealed   []byte
	PasswordHash    string
	// Minor is true for 13-15 year olds: private by default, fewer reach.
	Minor     bool
	CreatedAt time.Time
	// SuspendedUntil, if set, is when a suspension ends.
	SuspendedUntil time.Time
	// FeedOptOut: the person turned personalisation off (DSA Art. 38);
	// their For You is the non-profiling Popular feed.
	FeedOptOut bool
	// EmailVerifiedAt is when the email was confirmed (zero: not yet).
	EmailVerifiedAt time.Time
	// TOTPSealed is the sealed TOTP secret (nil: none); TOTPStep the last
	// time step a code was accepted for.
	TOTPSealed []byte
	TOTPStep   int64
	// ShowLikes: the person's likes name them to the liked video's
	// creator (otherwise likes are counted only). CommentsFrom says who
	// may comment on their videos (CommentsEveryone, CommentsFollowers,
	// CommentsNobody).
	ShowLikes    bool
	CommentsFrom string
}

// Who may comment on a person's videos (Account.CommentsFrom).
const (
	CommentsEveryone  = "everyone"
	CommentsFollowers = "followers"
	CommentsNobody    = "nobody"
)

// AvatarURL is where a person's profile picture of version ver is
// served ("" when there is none).
func AvatarURL(userID, ver string) string {
	if ver == "" {
		return ""
	}
	return "/avatars/" + userID + "/" + ver + ".jpg"
}

// Session is a signed-in device. Only a hash of its token is stored.
// Data class: personal.
type Session struct {
	TokenHash []byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// IPSealed is the sign-in IP address, sealed with the person's key.
	IPSealed []byte
	// SecondFactor: the session was opened with a second factor.
	SecondFactor bool
	// DeviceSealed names the browser it signed in with, sealed with the
	// person's key; UsedAt is when it was last used (zero: not since
	// sign-in), to the minute.
	DeviceSealed []byte
	UsedAt       time.Time
}

// HandleClaim records which person holds a handle. Handles are globally
// unique, and so are their look-alike keys; the directory region keeps the
// claims. Data class: public.
type HandleClaim struct {
	Handle string
	// Key is HandleKey(Handle): no two claims share one. Claims made before
	// keys existed have none until the directory fills it in.
	Key       string
	UserID    string
	ClaimedAt time.Time
}

// HandleKey is the key under which look-alike handles collide at the
// directory: the confusable skeleton (Unicode TR39) of a normalised
// handle, so "paypa1" is taken while "paypal" is, "rn" stands for "m" and
// "0" for "o". It is for comparing only; the handle is shown as chosen.
func HandleKey(handle string) string { return textnorm.Skeleton(handle) }

var handleRE = regexp.MustCompile(`^[a-z0-9_.]{3,24}$`)

// NormalizeHandle case-folds a handle and checks its shape: 3-24 of
// [a-z0-9_.], not starting or ending with a dot, no two dots in a row.
// Look-alike spellings become the handle they look like (textnorm.ASCII):
// fullwidth letters, invisible characters, and Cyrillic or Greek letters
// that look like Latin ones, so "ａｎｎａ", "an\u200bna" and Cyrillic "аnnа"
// are all "anna" and collide with it at the directory. Invalid UTF-8 and
// NUL are refused.
func NormalizeHandle(h string) (string, error) {
	if err := CheckText("handle", h); err != nil {
		return "", err
	}
	h, _ = textnorm.ASCII(strings.TrimSpace(h))
	h = strings.TrimPrefix(strings.TrimSpace(h), "@")
	if !handleRE.MatchString(h) {
		return "", FieldError("handle", "a handle has 3 to 24 characters: letters a-z, digits, '_' and '.'")
	}
	if strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return "", FieldError("handle", "a handle cannot start or end with '.' or contain '..'")
	}
	return h, nil
}

// CheckText refuses text that is not valid UTF-8 or holds a NUL
// character: PostgreSQL cannot store either in a text column, and SQLite
// would, so both are refused alike, before anything is stored.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) {
		return FieldError(field, "the %s is not valid UTF-8 text", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return FieldError(field, "the %s contains a NUL character", field)
	}
	return nil
}

// NormalizeEmail trims and lower-cases an email address and checks that it
// looks like one. Deliverability is not checked here.
func NormalizeEmail(e string) (string, error) {
	e = strings.ToLower(strings.TrimSpace(e))
	at := strings.LastIndexByte(e, '@')
	if len(e) > 254 || at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>\"") ||
		!strings.Contains(e[at+1:], ".") {
		return "", FieldError("email", "this does not look like an email address")
	}
	return e, nil
}

// Age returns the age in whole years on day now of someone born on birth.
func Age(birth, now time.Time) int {
	y := now.Year() - birth.Year()
	if now.Month() < birth.Month() || (now.Month() == birth.Month() && now.Day() < birth.Day()) {
		y--
	}
	return y
}

// earliestZone is where the calendar date is earliest on Earth at every
// instant: UTC−12 (Baker and Howland Islands).
var earliestZone = time.FixedZone("UTC-12", -12*60*60)

// EarliestDate is the earliest calendar date anyone anywhere has at
// instant now, as midnight UTC of that date. Ages are counted on it
// (AgeAt), so the answer does not depend on the server's time zone and a
// person is never counted older than they can be where they live: a
// 13th birthday counts once it has begun everywhere, at the latest 36
// hours after it began in UTC+14.
func EarliestDate(now time.Time) time.Time {
	y, m, d := now.In(earliestZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AgeAt returns the age at instant now of someone born on the date birth,
// counted on the earliest date anywhere (EarliestDate).
func AgeAt(birth, now time.Time) int { return Age(birth, EarliestDate(now)) }

// Age limits for accounts.
const (
	MinAge   = 13 // younger people cannot sign up
	AdultAge = 16 // 13-15 year olds get minors' protections
)

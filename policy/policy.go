// Package policy is the one place that decides who may see what: a
// viewer, a subject (a video with its owner's state, or a comment or media
// file of one) and a surface (the API record, a page, an embed, a feed…)
// go in; whether it is shown, hidden, shown with a label, or shown but not
// recommended comes out. Every surface of kurz asks Decide; the expected
// answer of every (viewer, subject state, surface) cell is written once,
// in Table, which POLICY.md renders and the tests check against Decide and
// against a running server.
//
// The inputs are decided in the subject's home region (whether the owner
// is a minor, whether the viewer is an approved follower, the owner's
// standing) and in the viewer's home region (the viewer's age band and
// country). Only the outcome for the public (Surface Replica: may the
// public see it, may it be recommended, its label, and the public
// moderation facts other regions need: age restriction and countries)
// crosses regions.
package policy

import (
	"slices"
	"time"

	"kurz"
)

// Surface is where something is shown.
type Surface string

// The surfaces.
const (
	Record    Surface = "record"    // GET /api/v1/videos/{id}
	Page      Surface = "page"      // /v/{id}
	Embed     Surface = "embed"     // /embed/{id}, framed by other sites: asked as a stranger
	OEmbed    Surface = "oembed"    // /oembed: asked as a stranger
	Media     Surface = "media"     // /media/{id}/…: playlists, segments, poster, preview
	ForYou    Surface = "for_you"   // For You and Popular
	Following Surface = "following" // the Following feed
	Tag       Surface = "tag"       // hashtag lists (API and page)
	Profile   Surface = "profile"   // a person's video list (API and page)
	Search    Surface = "search"    // search results
	Comments  Surface = "comments"  // reading a video's comments
	Comment   Surface = "comment"   // writing a comment on it
	Replica   Surface = "replica"   // the public record other regions get (viewer ignored)
)

// Surfaces lists every surface, in the order of the table's columns.
var Surfaces = []Surface{Record, Page, Embed, OEmbed, Media, ForYou, Following, Tag, Profile, Search, Comments, Comment, Replica}

// Standing is the owner's account standing.
type Standing int

const (
	Active     Standing = iota
	Suspended           // sign-in refused until a date; content stays up
	Terminated          // for good: content hidden everywhere
	Erasing             // erasure requested: hidden from everyone but them
)

// Viewer is who is looking. The zero Viewer is an anonymous stranger.
type Viewer struct {
	// ID is the signed-in person ("" anonymous).
	ID string
	// Minor: 13-15 years old (from the viewer's home region).
	Minor bool
	// Countries the viewer is taken to be in: their account's country, or
	// for an anonymous viewer every country whose people live in the region
	// whose door they came through.
	Countries []string
	// Owner: the viewer owns the subject.
	Owner bool
	// Follower: an approved follower of the owner (decided in the
	// owner's region).
	Follower bool
	// FollowedBack: the owner follows the viewer.
	FollowedBack bool
	// Blocked: the people the viewer blocked; BlockedBy: the people who
	// blocked the viewer (from the viewer's home region, which keeps
	// their blocks and the notices of blocks by people of other regions;
	// Relate adds a block the owner's region keeps). Either way each is to
	// the other as if they did not exist, except that a blocker still sees
	// the profile of whom they blocked (to unblock them). Muted: the
	// people the viewer muted, whose videos stay out of the viewer's feeds
	// and whose comments out of their comment lists.
	Blocked, BlockedBy, Muted []string
}

// Subject is what is looked at, with the state that matters.
type Subject struct {
	OwnerID    string // whose it is (blocks and mutes name people)
	Status     string // kurz.StatusReady, … (kurz.Showable: ready or playable)
	Visibility string // kurz.Public, kurz.Followers, kurz.Private
	// OwnerPrivate: the owner's account is private (its videos go to
	// approved followers only); OwnerMinor: the owner is 13-15.
	OwnerPrivate, OwnerMinor bool
	Owner                    Standing
	// Moderation restrictions.
	AgeRestricted, Reduced bool
	Label                  string
	// Countries where a decision restricted it ("ALL": everywhere).
	Countries []string
}

// Decision is the answer.
type Decision struct {
	See       bool   // it is shown on the surface
	Recommend bool   // it may be recommended to people who did not ask for it
	Label     string // shown with it
}

// Answer is a decision in one word, as the table writes it.
type Answer string

const (
	Show  Answer = "show"
	Hide  Answer = "hide"
	Label Answer = "label" // show, with its label
	NoRec Answer = "norec" // show, but never recommend
)

// Answer sums a decision up.
func (d Decision) Answer() Answer {
	switch {
	case !d.See:
		return Hide
	case d.Label != "":
		return Label
	case !d.Recommend:
		return NoRec
	}
	return Show
}

// Public reports whether the public (anyone, anywhere) may see a subject
// when nothing about the viewer counts: what replicates.
func (s Subject) Public() bool {
	return kurz.Showable(s.Status) && s.Visibility == kurz.Public && !s.OwnerPrivate && !s.OwnerMinor &&
		(s.Owner == Active || s.Owner == Suspended) && !slices.Contains(s.Countries, "ALL")
}

// recommendable: may be put before people who did not ask for it.
func (s Subject) recommendable() bool { return !s.Reduced && !s.OwnerMinor }

// Decide is the one visibility decision.
func Decide(v Viewer, s Subject, f Surface) Decision {
	no := Decision{}
	switch f {
	case Replica:
		if !s.Public() {
			return no
		}
		return Decision{See: true, Recommend: s.recommendable(), Label: s.Label}
	case Embed, OEmbed:
		// Other sites ask without the visitor's session: as a stranger at
		// the same door.
		v = Viewer{Countries: v.Countries}
	}
	yes := Decision{See: true, Recommend: s.recommendable(), Label: s.Label}
	// A block hides everything of the other but media files, which the
	// public's are served to anyone without asking who (edge caches).
	if !v.Owner && s.OwnerID != "" && (!SeesPerson(v, s.OwnerID) && f != Media || slices.Contains(v.Muted, s.OwnerID) && (f == ForYou || f == Following)) {
		return no
	}
	if v.Owner && v.ID != "" {
		if s.Owner == Terminated {
			return no
		}
		switch f {
		case ForYou, Following, Tag, Search:
			// Feeds and lists of others' videos: one's own are not in them.
			return no
		case Record, Page, Profile:
			// Their own record shows its state (held, removed, erasing).
			return yes
		}
		if !kurz.Showable(s.Status) || s.Owner == Erasing {
			return no
		}
		return yes
	}
	if s.Owner == Terminated || s.Owner == Erasing || !kurz.Showable(s.Status) || s.Visibility == kurz.Private {
		return no
	}
	public := s.Visibility == kurz.Public && !s.OwnerPrivate && !s.OwnerMinor
	if !public && !v.Follower {
		return no
	}
	if slices.Contains(s.Countries, "ALL") || slices.ContainsFunc(v.Countries, func(c string) bool { return slices.Contains(s.Countries, c) }) {
		return no
	}
	if s.AgeRestricted && (v.ID == "" || v.Minor) {
		return no
	}
	switch f {
	case ForYou:
		if !s.recommendable() || !public {
			return no
		}
	case Tag, Search:
		// Discovery lists hold only what the public may see, without
		// reduced reach.
		if s.Reduced || !public {
			return no
		}
	case Following:
		// The Following feed: public videos (it is built from the
		// catalogue) of people the viewer follows.
		if !public || !v.Follower {
			return no
		}
	case Comment:
		if v.ID == "" || (s.OwnerMinor && !v.FollowedBack) {
			return no
		}
	}
	return yes
}

// SeesPerson reports whether a block stands between the viewer and a
// person (either way): then neither sees the other's profile, videos or
// comments, follows or comments on the other's videos, or mentions them.
func SeesPerson(v Viewer, personID string) bool {
	return v.ID == "" || v.ID == personID || !slices.Contains(v.Blocked, personID) && !slices.Contains(v.BlockedBy, personID)
}

// SeesProfile reports whether the viewer may see a person's profile (its
// header: handle, name, bio, counts): not if that person blocked them.
func SeesProfile(v Viewer, personID string) bool {
	return v.ID == "" || v.ID == personID || !slices.Contains(v.BlockedBy, personID)
}

// ShowsComment reports whether a comment by author goes in the viewer's
// comment lists: not if a block stands between them, nor if the viewer
// muted the author.
func ShowsComment(v Viewer, authorID string) bool {
	return SeesPerson(v, authorID) && (v.ID == authorID || !slices.Contains(v.Muted, authorID))
}

// IsTermination reports whether a suspension end is a termination (kurz
// records a termination as a suspension until the year 9999).
func IsTermination(until time.Time) bool { return until.Year() >= 9999 }

// StandingOf is an account's standing from its suspension end and
// whether its erasure is pending, at now.
func StandingOf(suspendedUntil time.Time, erasing bool, now time.Time) Standing {
	switch {
	case erasing:
		return Erasing
	case IsTermination(suspendedUntil):
		return Terminated
	case suspendedUntil.After(now):
		return Suspended
	}
	return Active
}

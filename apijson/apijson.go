// Package apijson holds the JSON bodies of the public API that no
// concern service owns: the requests httpapi's handlers decode and the
// answers they write. Their field names are the API's (snake_case), and
// apidoc documents them from these types. It imports no HTTP code.
package apijson

import (
	"kurz"
	"kurz/replication"
	"kurz/video"
)

// Health is /healthz's answer.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// Ready is /readyz's answer: each hosted region's state ("ok" or
// what is wrong), or while shutting down only the status.
type Ready struct {
	Status  string            `json:"status,omitempty"`
	Regions map[string]string `json:"regions,omitempty"`
}

// Session is a new session: its bearer token (also set as a cookie).
type Session struct {
	Token string `json:"token"`
	User  User   `json:"user"`
}

// ProfilePatch changes what it names; a field left out stays.
type ProfilePatch struct {
	DisplayName *string `json:"display_name"`
	Bio         *string `json:"bio"`
}

// VideoPage is a page of videos; next_cursor is "" at the end.
type VideoPage struct {
	Items      []*video.VideoJSON `json:"items"`
	NextCursor string             `json:"next_cursor"`
}

// Regions maps each hosted region's name to its state.
type Regions struct {
	Regions map[string]Region `json:"regions"`
}

// Region is a hosted region: its public log's head and its peers' health.
type Region struct {
	Hosted bool                                   `json:"hosted"`
	LogSeq int64                                  `json:"log_seq"`
	Peers  map[kurz.Region]replication.PeerHealth `json:"peers"`
	// Generation is the generation of the region's own log (new with
	// every restore); each peer's entry names the one it has applied.
	Generation string `json:"generation,omitempty"`
}

// User is a person as the API names them.
type User struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	Region string `json:"region"`
}

// Login signs in by handle or email.
type Login struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	// Code is a TOTP or recovery code, for two-factor sign-in.
	Code string `json:"code,omitempty"`
}

// Reset sets a new password with a one-time link token.
type Reset struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// Settings are a person's settings, kept in their home region.
type Settings struct {
	// PersonalizedFeed: For You ranked from the person's history (true),
	// or the Popular feed, which uses no personal signal (false).
	PersonalizedFeed *bool `json:"personalized_feed"`
	// PrivateAccount: videos go to approved followers only, who ask to
	// follow first (always on for 13-15 year olds).
	PrivateAccount *bool `json:"private_account"`
	// ShowLikes: the person's likes name them to the liked video's
	// creator (else they are counted only).
	ShowLikes *bool `json:"show_likes"`
	// CommentsFrom: who may comment on the person's videos: everyone,
	// followers (approved ones, for a private account) or nobody.
	CommentsFrom *string `json:"comments_from"`
}

// Profile is the API shape of a public profile.
type Profile struct {
	ID            string `json:"id"`
	Handle        string `json:"handle"`
	DisplayName   string `json:"display_name"`
	Bio           string `json:"bio"`
	Private       bool   `json:"private"`
	Followers     int64  `json:"followers"`
	Following     int64  `json:"following"`
	Likes         int64  `json:"likes"`
	ViewerFollows bool   `json:"viewer_follows"`
	// ViewerBlocked, ViewerMuted: the signed-in viewer blocked or muted
	// this person (whoever blocked the viewer is not found at all).
	ViewerBlocked bool `json:"viewer_blocked,omitempty"`
	ViewerMuted   bool `json:"viewer_muted,omitempty"`
	// AvatarURL is the profile picture ("" none).
	AvatarURL string `json:"avatar_url,omitempty"`
}

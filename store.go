package kurz

import (
	"context"
	"time"
)

// Store is one region's database. Adapters (sqlite, postgres) implement it
// with the same SQL semantics and pass the same test suite (storetest).
type Store interface {
	Queries
	// Tx runs fn in one write transaction, committed if fn returns nil.
	Tx(ctx context.Context, fn func(Queries) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Queries are the operations on a region's rows. They hold no business
// rules: permissions, validation and residency live in the services.
// A missing row is ErrNotFound; a unique violation is an EConflict error.
type Queries interface {
	CreateProfile(ctx context.Context, p *Profile) error
	ProfileByID(ctx context.Context, id string) (*Profile, error)
	ProfileByHandle(ctx context.Context, handle string) (*Profile, error)

	CreateAccount(ctx context.Context, a *Account) error
	AccountByID(ctx context.Context, userID string) (*Account, error)
	AccountByEmailIndex(ctx context.Context, index []byte) (*Account, error)

	// PutPersonKey stores a person's wrapped data key; DeletePersonKey
	// destroys it, which makes every sealed field of theirs unreadable.
	PutPersonKey(ctx context.Context, userID string, wrapped []byte) error
	PersonKey(ctx context.Context, userID string) ([]byte, error)
	DeletePersonKey(ctx context.Context, userID string) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByTokenHash(ctx context.Context, hash []byte) (*Session, error)
	DeleteSession(ctx context.Context, hash []byte) error

	// ClaimHandle records a claim; a handle held by another person is an
	// EConflict error, a repeated claim by the same person succeeds.
	ClaimHandle(ctx context.Context, c *HandleClaim) error
	HandleClaimOf(ctx context.Context, handle string) (*HandleClaim, error)
	// ReleaseHandle drops a claim if (and only if) userID holds it.
	ReleaseHandle(ctx context.Context, handle, userID string) error

	CreateVideo(ctx context.Context, v *Video) error
	VideoByID(ctx context.Context, id string) (*Video, error)
	// UpdateVideo writes every mutable field of v.
	UpdateVideo(ctx context.Context, v *Video) error
	DeleteVideo(ctx context.Context, id string) error
	// SetHashtags replaces a video's hashtags.
	SetHashtags(ctx context.Context, videoID string, tags []string, at time.Time) error
	HashtagsOf(ctx context.Context, videoID string) ([]string, error)
	// CountVideos counts a person's videos created at or after since, in
	// any of the statuses (all statuses if none are given).
	CountVideos(ctx context.Context, ownerID string, since time.Time, statuses ...string) (int, error)
	// VideosInStatus lists videos in a status last updated before before.
	VideosInStatus(ctx context.Context, status string, before time.Time) ([]*Video, error)
}

package social

import (
	"context"
	"slices"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/link"
	"kurz/policy"
)

// Blocks and mutes. A block or a mute is the personal data of the person
// who made it and is kept in their home region. A block must also hold
// where the blocked person is served (their home region: their feeds,
// searches, comments and follows are made there), so the blocker's region
// sends it notice over the link, with the two IDs and nothing else; that
// region keeps it as a row of kind kurz.BlockedByKind until the blocker
// unblocks or is erased. What a block hides is decided by the visibility
// policy (policy.Decide, SeesPerson, SeesProfile, ShowsComment) from the
// lists cell.BlockLists reads; follows, comments and mentions refuse here.
// A mute never leaves the muter's region: it only filters what that
// region shows them.

// BlockJSON is a person one blocked or muted, as the settings list them.
type BlockJSON struct {
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name"`
	Kind        string    `json:"kind"` // block or mute
	CreatedAt   time.Time `json:"created_at"`
}

// Blocks lists the people a person blocked and muted, oldest first.
func (c *Service) Blocks(ctx context.Context, viewer *kurz.Profile) ([]BlockJSON, error) {
	rows, err := c.Store.BlocksOf(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	out := []BlockJSON{}
	for _, b := range rows {
		if b.Kind == kurz.BlockedByKind {
			continue // not theirs to see: another person's decision
		}
		p, ok := c.Index.Profile(b.OtherID)
		if !ok {
			continue // gone (erased, or hidden while an erasure is pending)
		}
		out = append(out, BlockJSON{Handle: p.Handle, DisplayName: p.DisplayName, Kind: b.Kind, CreatedAt: b.CreatedAt})
	}
	return out, nil
}

// SetBlock blocks or unblocks (kind kurz.BlockKind), or mutes or unmutes
// (kurz.MuteKind), a person of any region by handle. A block ends the
// follows both ways (and follow requests) and tells the blocked person's
// region; unblocking restores no follow. Blocking someone who blocked
// you is allowed and says nothing of their block.
func (c *Service) SetBlock(ctx context.Context, viewer *kurz.Profile, handle, kind string, on bool) error {
	h, err := kurz.NormalizeHandle(handle)
	if err != nil {
		return kurz.ErrNotFound
	}
	target, ok := c.Index.ProfileByHandle(h)
	if !ok {
		return kurz.ErrNotFound
	}
	if target.ID == viewer.ID {
		return kurz.Errorf(kurz.EInvalid, "you cannot block or mute yourself")
	}
	if kind != kurz.BlockKind && kind != kurz.MuteKind {
		return kurz.Errorf(kurz.EInvalid, "kind must be block or mute")
	}
	region, err := kurz.ParseID(target.ID)
	if err != nil {
		return kurz.ErrNotFound
	}
	defer c.Feeds.Forget(viewer.ID)
	if kind == kurz.MuteKind {
		return c.putBlock(ctx, kurz.Block{PersonID: viewer.ID, OtherID: target.ID, Kind: kind, CreatedAt: c.Now().UTC()}, on)
	}
	if !on {
		// The local row goes first: if the notice fails, the block still
		// holds where it is enforced for the other, and unblocking again
		// sends it again.
		if err := c.putBlock(ctx, kurz.Block{PersonID: viewer.ID, OtherID: target.ID, Kind: kind}, false); err != nil {
			return err
		}
		if region == c.Region {
			c.Feeds.Forget(target.ID)
			return nil
		}
		return c.Link.BlockNotice(ctx, region, link.BlockNoticeRequest{Blocker: viewer.ID, Blocked: target.ID})
	}
	// The notice goes first, so a block stored here always holds there.
	if region != c.Region {
		if err := c.Link.BlockNotice(ctx, region, link.BlockNoticeRequest{Blocker: viewer.ID, Blocked: target.ID, Block: true}); err != nil {
			return err
		}
	} else if other, err := c.Store.ProfileByID(ctx, target.ID); err == nil {
		// Their follow of the blocker, here.
		mine, _ := c.Index.Profile(viewer.ID)
		if mine == nil {
			mine = &catalog.PublicProfile{ID: viewer.ID, Handle: viewer.Handle}
		}
		if _, _, err := c.follow(ctx, other, mine, false); err != nil {
			return err
		}
		defer c.Feeds.Forget(target.ID)
	}
	if _, _, err := c.follow(ctx, viewer, target, false); err != nil {
		return err
	}
	return c.putBlock(ctx, kurz.Block{PersonID: viewer.ID, OtherID: target.ID, Kind: kind, CreatedAt: c.Now().UTC()}, true)
}

func (c *Service) putBlock(ctx context.Context, b kurz.Block, on bool) error {
	return c.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if on {
			_, err = q.PutBlock(ctx, b)
		} else {
			_, err = q.DeleteBlock(ctx, b.PersonID, b.OtherID, b.Kind)
		}
		return err
	})
}

// blockNotice is the blocked person's region's side of a block by a
// person of the calling region: it keeps the notice (or drops it, or
// every notice of an erased blocker) and ends the blocked person's
// follow of the blocker.
func (c *Service) blockNotice(ctx context.Context, from kurz.Region, in *link.BlockNoticeRequest) error {
	if r, err := kurz.ParseID(in.Blocker); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only block for its own people")
	}
	if in.Blocked == "" {
		if in.Block {
			return kurz.Errorf(kurz.EInvalid, "a block names whom it blocks")
		}
		return c.Tx(ctx, func(q kurz.Queries) error { return q.DeleteNotices(ctx, in.Blocker) })
	}
	if r, err := kurz.ParseID(in.Blocked); err != nil || r != c.Region {
		return kurz.ErrNotFound
	}
	blocked, err := c.Store.ProfileByID(ctx, in.Blocked)
	if err != nil {
		return err
	}
	defer c.Feeds.Forget(in.Blocked)
	notice := kurz.Block{PersonID: in.Blocked, OtherID: in.Blocker, Kind: kurz.BlockedByKind, CreatedAt: c.Now().UTC()}
	if !in.Block {
		return c.putBlock(ctx, notice, false)
	}
	if err := c.putBlock(ctx, notice, true); err != nil {
		return err
	}
	blocker, ok := c.Index.Profile(in.Blocker)
	if !ok {
		blocker = &catalog.PublicProfile{ID: in.Blocker}
	}
	_, _, err = c.follow(ctx, blocked, blocker, false)
	return err
}

// blockedBetween reports whether a block stands between a person of this
// region and another of any region, either way, as this region knows it.
func (c *Service) blockedBetween(ctx context.Context, localID, otherID string) bool {
	blocked, blockedBy, _ := c.BlockLists(ctx, localID)
	return slices.Contains(blocked, otherID) || slices.Contains(blockedBy, otherID)
}

// BlockState reports whether viewer blocked and muted a person.
func (c *Service) BlockState(ctx context.Context, viewer *kurz.Profile, personID string) (blocked, muted bool) {
	if viewer == nil {
		return false, false
	}
	who := c.who(ctx, viewer)
	return slices.Contains(who.Blocked, personID), slices.Contains(who.Muted, personID)
}

// SeesProfile reports whether viewer (nil: anonymous) may see a person's
// profile: not if that person blocked them (policy.SeesProfile).
func (c *Service) SeesProfile(ctx context.Context, viewer *kurz.Profile, personID string) bool {
	if viewer == nil {
		return true
	}
	return policy.SeesProfile(c.who(ctx, viewer), personID)
}

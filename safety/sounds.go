package safety

import (
	"context"
	"strings"

	"kurz"
	"kurz/cell"
	"kurz/transparency"
)

// Blocked sounds. A moderator of the region a sound comes from (a sound
// is a video's audio; its ID is the video's) blocks it with a decision
// and statement of reasons to the sound's creator (action block_sound,
// appealable like any decision; reversing it lifts the block). Its
// effects: the sound's public record says blocked (every region refuses
// "use this sound", duets and stitches of videos using it, and its page
// says it is unavailable), and its audio print goes on the block list,
// which every region receives through the public log (so the block
// outlives the video it came from).
//
// Uploads whose audio matches a blocked sound are held for review, not
// refused: a print match is an automated detection that cannot tell a
// lawful use of the same audio (a licence, a quotation, a parody, news)
// from the blocked one, and sounds are blocked mostly for reasons that
// depend on that context (rights, terms), unlike the known-bad media of
// the video block list, which is removed at upload. Holding keeps the
// video unpublished until a person decides (DSA Art. 14(4): due regard
// to the freedom of expression; Art. 17(3)(c): the statement says the
// detection was automated; Art. 20: the uploader can still complain).

// audioBlockPrefix marks a block list entry that is an audio print.
const audioBlockPrefix = "audio:"

// BlockSound blocks a sound of this region on a moderator's own
// initiative and answers the statement of reasons its creator gets.
// Staff must be a moderator of this region with a second-factor session
// (cell.Staff.Require); a sound of another region is decided by that
// region's moderators. Of in, the category, grounds, explanation and
// facts count (a block holds everywhere).
func (c *Service) BlockSound(ctx context.Context, staff *kurz.Profile, soundID string, in DecisionInput) (*transparency.Statement, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	if r, err := kurz.ParseID(soundID); err == nil && r != c.Region {
		return nil, kurz.Errorf(kurz.EForbidden, "this sound comes from region %s; its moderators decide about it", r)
	}
	if v, err := c.Store.VideoByID(ctx, soundID); err == nil && v.OwnerID == staff.ID {
		return nil, kurz.Errorf(kurz.EForbidden, "another moderator decides about your own sound")
	}
	in.Action, in.TerritorialScope, in.BlockMedia = "block_sound", "", false
	return c.decideOwn(ctx, staff.ID, "video", soundID, in.Category, in)
}

// blockSound is enforce's part for block_sound (original nil) and its
// reversal.
func (c *Service) blockSound(ctx context.Context, q kurz.Queries, d, original *kurz.Decision, by string) error {
	v, err := q.VideoByID(ctx, d.TargetID)
	if err != nil {
		return err
	}
	switch {
	case original != nil:
		v.SoundBlock = ""
		err = q.UnblockMedia(ctx, "decision "+original.ID)
		if err == nil {
			err = c.Outbox.AppendLog(ctx, q, cell.LogBlockedGone, original.ID, map[string]string{"id": original.ID})
		}
	case v.SoundID != "":
		return kurz.Errorf(kurz.EInvalid, "this video uses the sound %s; block that sound", v.SoundID)
	case v.SoundBlock != "":
		return kurz.Errorf(kurz.EConflict, "this sound is already blocked")
	case v.AudioPrint != "":
		v.SoundBlock, err = d.ID, q.AddBlockedMedia(ctx, audioBlockPrefix+v.AudioPrint, "decision "+d.ID, by, c.Now().UTC())
		if err == nil {
			err = c.Outbox.AppendLog(ctx, q, cell.LogBlocked, d.ID, blockedHash{Hash: audioBlockPrefix + v.AudioPrint})
		}
	default:
		v.SoundBlock = d.ID
	}
	if err != nil {
		return err
	}
	v.UpdatedAt = c.Now().UTC()
	if err := q.UpdateVideo(ctx, v); err != nil {
		return err
	}
	return c.Outbox.SyncVideoLog(ctx, q, v)
}

// SoundBlocked reports whether an upload's audio print is the audio of a
// blocked sound of any region (this region's block list and the ones
// other regions' decisions put on the log).
func (c *Screen) SoundBlocked(ctx context.Context, print kurz.AudioPrint) (bool, error) {
	return c.onBlockList(ctx, len(print) > 0, func(b string) bool {
		s, ok := strings.CutPrefix(b, audioBlockPrefix)
		return ok && kurz.SameSound(kurz.ParseAudioPrint(s), print)
	})
}

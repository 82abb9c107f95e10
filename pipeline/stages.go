package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"kurz"
	"kurz/audioprint"
	"kurz/blob"
	"kurz/cell"
	"kurz/ffmpeg"
	"kurz/sealedmedia"
)

// A video is published in two stages (PLAYABLE.md): the first pass of
// the transcode (the lowest rendition, poster, preview, fingerprint) is
// screened and published whole, with a master playlist of its one
// variant, and the video becomes playable; the rest of the ladder, made
// at the same time at a lower CPU priority, then joins it (its variants
// first, the master naming every variant last) and the video becomes
// ready. A player never meets a playlist naming what is not there.

// restNice is the CPU priority of the rest of the ladder beside the
// first pass; once that is done the rest goes back to nice 0 (see
// ffmpeg.Staged).
const restNice = 10

// errStop ends a job without an error: the video was blocked, deleted,
// or taken over by a newer job.
var errStop = errors.New("pipeline: nothing more to do")

// transcode makes and publishes media of v (in processing, or playable
// when an earlier run published its first stage) from the file media.
func (c *Service) transcode(ctx context.Context, args ProcessVideoArgs, v *kurz.Video, media string, info *ffmpeg.Info, stage string, t *steps) error {
	first, rest := filepath.Join(stage, "media"), filepath.Join(stage, "rest")
	for _, d := range []string{first, rest} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	p := &progress{}
	s := ffmpeg.Staged{RestNice: restNice, Progress: p.report}
	if v.Status == kurz.StatusPlayable && json.Unmarshal([]byte(v.Renditions), &s.First) == nil && len(s.First) > 0 {
		p.playable.Store(true) // only the rest is made again
	} else {
		s.First = nil
	}
	// The sound's print: a short pass over the audio, beside the first.
	var print kurz.AudioPrint
	printed := make(chan error, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	if s.First == nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			print, err = audioprint.Of(ctx, c.Media.FFmpeg, media, info, stage)
			printed <- err
		}()
	}
	whole := len(ffmpeg.Ladder(info)) == 1
	s.Playable = func(out *ffmpeg.Output) error {
		t.mark("first_pass")
		if err := <-printed; err != nil {
			return err
		}
		if err := c.publishFirst(ctx, args, v, info, out, first, print, whole); err != nil {
			return err
		}
		p.playable.Store(true)
		t.mark("playable")
		return nil
	}
	defer c.WriteProgress(ctx, v.ID, args.Gen, p.percent)()
	out, err := c.Media.FFmpeg.TranscodeStaged(ctx, media, info, first, rest, s)
	t.mark("rest_pass")
	if err != nil || whole {
		return err
	}
	defer t.mark("ready")
	return c.publish(ctx, args, v.ID, rest, true, func(cur *kurz.Video) error {
		switch cur.Status {
		case kurz.StatusPlayable:
			cur.Status, cur.Error = kurz.StatusReady, ""
		case kurz.StatusHeld, kurz.StatusRemoved, kurz.StatusReady:
			// A review, a decision or a release came meanwhile: it keeps
			// its status, and its media is whole for when it is shown.
		default:
			return errStop
		}
		cur.Renditions, cur.Worker = marshalRenditions(out.Renditions), ""
		return nil
	})
}

// publishFirst screens the first stage and publishes it: known-bad media
// is stopped before anything is published, audio of a blocked sound and
// the first uploads of new accounts wait for review (held).
func (c *Service) publishFirst(ctx context.Context, args ProcessVideoArgs, v *kurz.Video, info *ffmpeg.Info, out *ffmpeg.Output, dir string, print kurz.AudioPrint, whole bool) error {
	if blocked, err := c.Screen.Blocked(ctx, out.Fingerprint); err != nil {
		return err
	} else if blocked {
		c.RemoveUpload(v.ID)
		return errors.Join(c.Screen.BlockUpload(ctx, v), errStop)
	}
	soundBlocked, err := c.Screen.SoundBlocked(ctx, print)
	if err != nil {
		return err
	}
	top := ffmpeg.Ladder(info)[len(ffmpeg.Ladder(info))-1]
	return c.publish(ctx, args, v.ID, dir, false, func(cur *kurz.Video) error {
		if cur.Status != kurz.StatusProcessing {
			return errStop
		}
		cur.Status, cur.Error = kurz.StatusPlayable, ""
		if whole {
			cur.Status, cur.Worker = kurz.StatusReady, ""
		}
		cur.DurationMS, cur.Width, cur.Height = info.Duration.Milliseconds(), top.Width, top.Height
		cur.Renditions = marshalRenditions(out.Renditions)
		cur.PHash, cur.AudioPrint = out.Fingerprint.String(), print.String()
		if cur.RemixKind == "" && len(print) > 0 {
			// A re-upload of a sound's audio joins that sound.
			if snd, ok := c.Index.MatchSound(print, cur.ID); ok {
				cur.SoundID = snd
			}
		}
		return nil
	}, soundBlocked)
}

// publish puts the files of a stage's folder under the video's media key
// (the first stage replacing whatever an earlier attempt left, the rest
// joining it: more) and applies change to the video's row, holding the
// lease on its media files throughout: a reseal or a removal (a deletion,
// an erasure) waits, and one that came first leaves nothing to publish
// to. Media of a video that is not public is sealed under its owner's
// data key first; a visibility changed meanwhile is resealed after. Only
// the first stage is put on hold (hold, for the screen's say).
func (c *Service) publish(ctx context.Context, args ProcessVideoArgs, id, dir string, more bool, change func(*kurz.Video) error, hold ...bool) error {
	release, held, err := c.HoldMedia(ctx, id, 10*time.Minute)
	if err != nil || !held {
		return errors.Join(err, errors.New("the video's media is busy"))
	}
	defer release()
	v, err := c.Store.VideoByID(ctx, id)
	if errors.Is(err, kurz.ErrNotFound) || err == nil && v.JobGen != args.Gen {
		return errStop
	}
	if err != nil {
		return err
	}
	sealed := v.Visibility != kurz.Public
	if sealed {
		k, err := c.DataKey(ctx, v.OwnerID)
		if err != nil {
			return err
		}
		if err := sealedmedia.SealDir(dir, cell.MediaKey(id), k); err != nil {
			return err
		}
	}
	if more {
		err = blob.JoinDir(ctx, c.Blobs, dir, cell.MediaKey(id))
	} else {
		err = c.Blobs.Publish(ctx, dir, cell.MediaKey(id))
	}
	if err != nil {
		return err
	}
	resealNeeded := false
	err = c.Tx(ctx, func(q kurz.Queries) error {
		cur, err := q.VideoByID(ctx, id)
		if errors.Is(err, kurz.ErrNotFound) || err == nil && cur.JobGen != args.Gen {
			return errStop
		}
		if err != nil {
			return err
		}
		resealNeeded = (cur.Visibility != kurz.Public) != sealed
		if err := change(cur); err != nil {
			return err
		}
		cur.UpdatedAt = c.Now().UTC()
		if len(hold) > 0 {
			if _, err := c.Screen.Hold(ctx, q, cur, hold[0]); err != nil {
				return err
			}
		}
		if err := q.UpdateVideo(ctx, cur); err != nil {
			return err
		}
		// The next step's percent starts afresh.
		if err := q.SetVideoProgress(ctx, id, args.Gen, cur.Status, 0); err != nil {
			return err
		}
		return c.Outbox.SyncVideoLog(ctx, q, cur)
	})
	if err == nil && resealNeeded {
		// The visibility changed while the video was processing.
		err = c.EnqueueReseal(ctx, nil, id)
	}
	return err
}

// progress is a job's progress for its video's row (cell.WriteProgress;
// the owner's upload view reads it): the first pass's while the video is
// processing, the rest's once it is playable.
type progress struct {
	first, rest atomic.Int64 // percent
	playable    atomic.Bool
}

func (p *progress) report(pass ffmpeg.Pass, done float64) {
	if pass == ffmpeg.PassFirst {
		p.first.Store(int64(done * 100))
	} else {
		p.rest.Store(int64(done * 100))
	}
}

// percent is what the owner sees: the first pass's while the video is
// processing, then the rest's once it is playable. The status goes with
// it, so a first-pass percent read just before the video became playable
// is not written over the playable video's.
func (p *progress) percent() (string, int) {
	if p.playable.Load() {
		return kurz.StatusPlayable, int(p.rest.Load())
	}
	return kurz.StatusProcessing, int(p.first.Load())
}

// steps times a job's steps for its "video ready" log line: how long the
// job waited in the queue, then each step (fetching and probing the
// input, the first pass with any wait for a transcode slot, the audio
// print and publishing as playable, the rest of the ladder, publishing
// as ready), in milliseconds, so the time between the last byte and
// ready can be told apart from ffmpeg's.
type steps struct {
	attrs []any
	last  time.Time
}

func (t *steps) mark(name string) {
	now := time.Now()
	t.attrs, t.last = append(t.attrs, name+"_ms", now.Sub(t.last).Milliseconds()), now
}

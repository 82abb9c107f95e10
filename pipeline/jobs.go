package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/cell"
	"kurz/ffmpeg"
	"kurz/sealedmedia"
)

// ProcessVideoArgs is the job that turns an upload into a published
// video. It carries IDs only: job payloads hold no personal data.
type ProcessVideoArgs struct {
	VideoID string `json:"video_id"`
	Gen     int    `json:"gen"`
}

func (ProcessVideoArgs) Kind() string { return "process_video" }

// InsertOpts puts processing on its own queue, so transcodes never hold up
// other jobs.
func (ProcessVideoArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: cell.QueueMedia}
}

type processVideoWorker struct {
	river.WorkerDefaults[ProcessVideoArgs]
	c *Service
}

// Timeout exceeds the longest transcode plus probing and waiting for a
// transcode slot.
func (w *processVideoWorker) Timeout(*river.Job[ProcessVideoArgs]) time.Duration {
	return w.c.JobTimeout()
}

// slotSnooze is how long a job steps aside when its owner holds their
// share of the transcode slots.
const slotSnooze = 5 * time.Second

func (w *processVideoWorker) Work(ctx context.Context, job *river.Job[ProcessVideoArgs]) error {
	err := w.c.processVideo(ctx, job.Args)
	var snooze *river.JobSnoozeError
	if err != nil && !errors.As(err, &snooze) && job.Attempt >= job.MaxAttempts {
		w.c.failVideo(context.WithoutCancel(ctx), job.Args, "we could not process this video; please try uploading it again")
	}
	return err
}

// JobTimeout exceeds the longest transcode plus probing and waiting for
// a transcode slot.
func (c *Service) JobTimeout() time.Duration {
	return c.Media.FFmpeg.Limits.TranscodeTimeout + c.Media.FFmpeg.Limits.ProbeTimeout + 30*time.Minute
}

// Recover takes back, before the queue starts, the work this node held
// when it last stopped (see recover), and starts the periodic upload
// sweep.
func (c *Service) Recover(ctx context.Context) error {
	if err := c.recover(ctx); err != nil {
		return err
	}
	// One node of the region sweeps the uploads.
	c.Go(func(ctx context.Context) { c.Lead(ctx, "sweep:uploads", c.sweepLoop, nil) })
	if !c.Media.AcceptOnly {
		c.Go(func(ctx context.Context) {
			if err := c.SealExisting(ctx); err != nil && ctx.Err() == nil {
				c.Log.Warn("sealing existing media", "err", err)
			}
		})
	}
	return nil
}

// recover takes back work this node held when it last stopped: videos it
// was processing (their jobs died with the process, so they get a new
// generation) and uploads whose last byte arrived but whose job was never
// enqueued. A video that keeps dying fails instead of looping.
func (c *Service) recover(ctx context.Context) error {
	processing, err := c.Store.VideosInStatus(ctx, kurz.StatusProcessing, c.Now().Add(time.Minute))
	if err != nil {
		return err
	}
	// A playable video's job was making the rest of its ladder.
	playable, err := c.Store.VideosInStatus(ctx, kurz.StatusPlayable, c.Now().Add(time.Minute))
	if err != nil {
		return err
	}
	processing = append(processing, playable...)
	for _, v := range processing {
		if v.Worker != c.Media.NodeID {
			continue
		}
		if v.JobGen >= c.Media.MaxAttempts {
			c.failVideo(ctx, ProcessVideoArgs{VideoID: v.ID, Gen: v.JobGen}, "we could not process this video; please try uploading it again")
			continue
		}
		c.Log.Info("resuming interrupted processing", "video_id", v.ID, "gen", v.JobGen+1)
		err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error { return c.enqueueProcessing(ctx, tx, q, v) })
		if err != nil {
			return err
		}
	}
	return c.finishReceivedUploads(ctx)
}

// finishReceivedUploads enqueues uploads that are complete on disk but
// still marked uploading (the process died between the last byte and the
// enqueue).
func (c *Service) finishReceivedUploads(ctx context.Context) error {
	uploading, err := c.Store.VideosInStatus(ctx, kurz.StatusUploading, c.Now().Add(time.Minute))
	if err != nil {
		return err
	}
	for _, v := range uploading {
		size, err := c.uploadSize(ctx, v.ID)
		if err == nil && size == v.UploadSize {
			if err := c.FinishUpload(ctx, v.ID); err != nil {
				return err
			}
			continue
		}
		if c.Now().Sub(v.UpdatedAt) > c.Media.UploadTTL {
			// Abandoned: the bytes go, and the video row with them; the
			// day's quota is given back.
			c.RemoveUpload(v.ID)
			if err := c.DropAbandoned(ctx, v); err != nil {
				return err
			}
			c.Log.Info("abandoned upload removed", "video_id", v.ID)
		}
	}
	return nil
}

// sweepLoop repeats the upload sweep until the cell closes.
func (c *Service) sweepLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.finishReceivedUploads(ctx); err != nil && ctx.Err() == nil {
				c.Log.Warn("upload sweep", "err", err)
			}
		}
	}
}

// processVideo probes and transcodes one upload. It is idempotent: a stale
// or repeated job finds the video past processing and does nothing.
func (c *Service) processVideo(ctx context.Context, args ProcessVideoArgs) error {
	v, err := c.Store.VideoByID(ctx, args.VideoID)
	if errors.Is(err, kurz.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if v.Status != kurz.StatusProcessing && v.Status != kurz.StatusPlayable || v.JobGen != args.Gen {
		return nil
	}
	t := &steps{last: time.Now(), attrs: []any{"video_id", v.ID, "queued_ms", c.Now().Sub(v.UpdatedAt).Milliseconds()}}
	v.Worker, v.UpdatedAt = c.Media.NodeID, c.Now().UTC()
	if err := c.Store.UpdateVideo(ctx, v); err != nil {
		return err
	}
	stage, cleanup, err := c.Blobs.Stage(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	input, err := c.uploadInput(ctx, stage, v.ID)
	fromUpload := err == nil
	if err != nil && !c.Media.KeepOriginals {
		return err
	}
	if c.Media.KeepOriginals {
		if _, err := os.Stat(input); err != nil {
			// A rerun after the original was kept: work from that copy.
			input, fromUpload = filepath.Join(stage, "original"), false
			if err := c.fetchOriginal(ctx, v.ID, input); err != nil {
				return err
			}
		}
	}
	// Probing counts what the file really holds (duration, frames,
	// streams), so a file whose header lies fails here, in seconds. A
	// limit is the file's fault: the video fails at once, never retried.
	info, err := c.Media.FFmpeg.Probe(ctx, input)
	t.mark("probe")
	var rej *ffmpeg.RejectError
	if errors.As(err, &rej) {
		c.failVideo(ctx, args, rej.Reason)
		c.RemoveUpload(v.ID)
		return nil
	}
	if err != nil {
		return err
	}
	release, err := c.Media.Slots.Acquire(ctx, v.OwnerID)
	if errors.Is(err, ErrPersonBusy) {
		// The owner's other uploads hold their share of the slots: step
		// aside for others and come back (a snooze is not an attempt).
		return river.JobSnooze(slotSnooze)
	}
	if err != nil {
		return err
	}
	// The media is made and published in two stages (see stages.go):
	// playable with the first rendition, then ready with the ladder.
	err = func() error {
		defer release()
		media := input // what is transcoded: the upload, or a remix made of it
		if v.RemixKind != "" {
			var err error
			if media, err = c.remix(ctx, v, input, info, filepath.Join(stage, "remix")); err != nil {
				return err
			}
			if info, err = c.Media.FFmpeg.Probe(ctx, media); err != nil {
				return err
			}
		}
		return c.transcode(ctx, args, v, media, info, stage, t)
	}()
	if errors.As(err, &rej) {
		c.failVideo(ctx, args, rej.Reason)
		c.RemoveUpload(v.ID)
		return nil
	}
	if errors.Is(err, errStop) {
		return nil // blocked, deleted, or a newer job took over
	}
	if err != nil {
		return err
	}
	if c.Media.KeepOriginals && fromUpload {
		if err := c.keepOriginal(ctx, input, v.ID); err != nil {
			c.Log.Warn("keep original", "video_id", v.ID, "err", err)
			return nil // the upload stays for the next attempt to keep
		}
	}
	if err := c.RemoveUpload(v.ID); err != nil {
		c.Log.Warn("removing processed upload", "video_id", v.ID, "err", err)
	}
	c.Log.Info("video ready", t.attrs...)
	return nil
}

// failVideo ends processing with a message the owner can act on.
func (c *Service) failVideo(ctx context.Context, args ProcessVideoArgs, reason string) {
	err := c.Store.Tx(ctx, func(q kurz.Queries) error {
		v, err := q.VideoByID(ctx, args.VideoID)
		if err != nil {
			return err
		}
		if v.Status == kurz.StatusPlayable && v.JobGen == args.Gen {
			// Its first rendition plays: it stays, as the whole video.
			c.Log.Warn("the rest of a ladder failed; the first rendition stays", "video_id", v.ID)
			v.Status, v.Worker, v.UpdatedAt = kurz.StatusReady, "", c.Now().UTC()
			if err := q.UpdateVideo(ctx, v); err != nil {
				return err
			}
			return c.Outbox.SyncVideoLog(ctx, q, v)
		}
		if v.Status != kurz.StatusProcessing || v.JobGen != args.Gen {
			return nil
		}
		v.Status, v.Error, v.Worker, v.UpdatedAt = kurz.StatusFailed, reason, "", c.Now().UTC()
		return q.UpdateVideo(ctx, v)
	})
	if err != nil {
		c.Log.Error("mark video failed", "video_id", args.VideoID, "err", err)
	}
}

// keepOriginal stores the raw upload as the video's original, sealed
// under the owner's data key whatever the video's visibility (a raw upload
// is personal data).
func (c *Service) keepOriginal(ctx context.Context, input, videoID string) error {
	key := cell.OriginalKey(videoID)
	k, err := c.ownerKey(ctx, videoID)
	if err != nil {
		return err
	}
	sealed := input + ".sealed"
	defer os.Remove(sealed)
	if err := sealFileTo(input, sealed, key, k); err != nil {
		return err
	}
	f, err := os.Open(sealed)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.Blobs.Put(ctx, key, f)
}

// fetchOriginal copies a kept original's plaintext to the local file dst.
func (c *Service) fetchOriginal(ctx context.Context, videoID, dst string) error {
	key := cell.OriginalKey(videoID)
	o, err := c.Blobs.Open(ctx, key)
	if err != nil {
		return err
	}
	defer o.Close()
	fi, err := o.Stat()
	if err != nil {
		return err
	}
	r, _, err := sealedmedia.Plain(o, fi.Size(), key, func() (sealedmedia.Key, error) { return c.ownerKey(ctx, videoID) })
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Package pipeline owns the way from an upload to a published video: the
// tus endpoint, the upload quota, the processing jobs (probe, screening,
// transcode, publish), recovery after a crash and abandoned uploads. It
// never imports another concern package; what it needs from them (caption
// storage, screening against the block list and the review hold) it
// declares here as interfaces.
package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"
	"github.com/tus/tusd/v2/pkg/handler"

	"kurz"
	"kurz/cell"
	"kurz/ffmpeg"
)

// Captions stores a video's caption and hashtags in the right data class.
type Captions interface {
	SetCaption(ctx context.Context, q kurz.Queries, v *kurz.Video, caption string) error
	SyncHashtags(ctx context.Context, q kurz.Queries, v *kurz.Video, caption string) error
}

// Screen is Trust & Safety's say on new media: the operator's word
// filter, the block list of known-bad media and the review hold.
type Screen interface {
	CheckWords(field, text string) error
	// Blocked reports whether a video's perceptual hash matches the block
	// list.
	Blocked(ctx context.Context, hashes []uint64) (bool, error)
	// BlockUpload removes a video that matched the block list.
	BlockUpload(ctx context.Context, v *kurz.Video) error
	// Hold puts a processed video on hold for review if the rules say so,
	// in transaction q, and reports whether it did.
	Hold(ctx context.Context, q kurz.Queries, v *kurz.Video) (bool, error)
}

// Service runs the video pipeline of one region.
type Service struct {
	*cell.Cell
	Media    MediaConfig
	Captions Captions
	Screen   Screen
	// Uploads is the region's tus endpoint.
	Uploads *handler.UnroutedHandler
}

// MediaConfig sets the video pipeline's limits and resources.
type MediaConfig struct {
	FFmpeg *ffmpeg.Runner
	// Slots is shared by every cell of the process: one token per
	// transcode that may run at once, sized to the machine.
	Slots chan struct{}
	// MaxUploadBytes bounds one upload (default 512 MiB).
	MaxUploadBytes int64
	// DailyUploads is how many uploads a person may start per 24 hours.
	DailyUploads int
	// KeepOriginals keeps raw uploads after processing (under originals/);
	// by default they are deleted, since they are personal data.
	KeepOriginals bool
	// MaxAttempts is how often processing is tried before the video fails.
	MaxAttempts int
	// NodeID names this process to the job queue; a restarted node with
	// the same ID takes back the videos it was processing when it died.
	NodeID string
	// UploadTTL is how long an unfinished upload is kept.
	UploadTTL time.Duration
}

// Upload is what a person sends when starting an upload.
type Upload struct {
	Caption    string
	Visibility string // "" means the person's default
	Size       int64
}

// StartUpload checks an upload request and records the video it will
// become, in status uploading. It runs before the first byte is accepted.
func (c *Service) StartUpload(ctx context.Context, owner *kurz.Profile, in Upload) (*kurz.Video, error) {
	if r := owner.Region(); r != c.Region {
		return nil, kurz.Errorf(kurz.EInternal, "upload for %s person in %s", r, c.Region)
	}
	if in.Size < 0 {
		return nil, kurz.Errorf(kurz.EInvalid, "the upload length must be given")
	}
	if in.Size > c.Media.MaxUploadBytes {
		return nil, kurz.Errorf(kurz.ETooLarge, "this file is larger than the %d MiB limit", c.Media.MaxUploadBytes>>20)
	}
	if err := kurz.CheckCaption(in.Caption); err != nil {
		return nil, err
	}
	if err := c.Screen.CheckWords("caption", in.Caption); err != nil {
		return nil, err
	}
	if in.Visibility == "" {
		in.Visibility = kurz.Public
		if owner.Private {
			in.Visibility = kurz.Private
		}
	}
	if err := kurz.CheckVisibility(in.Visibility); err != nil {
		return nil, err
	}
	now := c.Now().UTC().Truncate(time.Millisecond)
	n, err := c.Store.CountVideos(ctx, owner.ID, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	if n >= c.Media.DailyUploads {
		return nil, &kurz.Error{Code: kurz.ERateLimited, Message: "you have reached today's upload limit; please try again tomorrow", RetryAfter: 3600}
	}
	v := &kurz.Video{ID: kurz.NewID(c.Region), OwnerID: owner.ID, Status: kurz.StatusUploading, Visibility: in.Visibility,
		UploadSize: in.Size, CreatedAt: now, UpdatedAt: now}
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		if err := c.Captions.SetCaption(ctx, q, v, in.Caption); err != nil {
			return err
		}
		if err := q.CreateVideo(ctx, v); err != nil {
			return err
		}
		return c.Captions.SyncHashtags(ctx, q, v, in.Caption)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// UploadOwner returns the video of an upload if viewer owns it; anyone
// else gets ErrNotFound, so upload URLs reveal nothing.
func (c *Service) UploadOwner(ctx context.Context, viewer *kurz.Profile, videoID string) (*kurz.Video, error) {
	v, err := c.Store.VideoByID(ctx, videoID)
	if err != nil {
		return nil, err
	}
	if viewer == nil || v.OwnerID != viewer.ID {
		return nil, kurz.ErrNotFound
	}
	return v, nil
}

// FinishUpload moves a fully received upload to processing and enqueues
// its job in the same transaction. Calling it again is harmless.
func (c *Service) FinishUpload(ctx context.Context, videoID string) error {
	return c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		v, err := q.VideoByID(ctx, videoID)
		if err != nil {
			return err
		}
		if v.Status != kurz.StatusUploading {
			return nil
		}
		return c.enqueueProcessing(ctx, tx, q, v)
	})
}

// enqueueProcessing starts a new processing generation for v. Its
// priority falls with the number of the owner's videos already waiting,
// so one person's tenth upload does not hold up someone else's first.
func (c *Service) enqueueProcessing(ctx context.Context, tx *sql.Tx, q kurz.Queries, v *kurz.Video) error {
	waiting, err := q.CountVideos(ctx, v.OwnerID, time.Time{}, kurz.StatusProcessing)
	if err != nil {
		return err
	}
	v.Status, v.JobGen, v.Worker, v.UpdatedAt = kurz.StatusProcessing, v.JobGen+1, "", c.Now().UTC()
	if err := q.UpdateVideo(ctx, v); err != nil {
		return err
	}
	_, err = c.Jobs.InsertTx(ctx, tx, ProcessVideoArgs{VideoID: v.ID, Gen: v.JobGen}, &river.InsertOpts{
		Priority:    min(waiting+1, 4),
		MaxAttempts: c.Media.MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	return err
}

func marshalRenditions(r []ffmpeg.Rendition) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// New returns the pipeline of region c and registers its job worker.
// The tus endpoint is built here too, so it exists before anything starts.
func New(c *cell.Cell, media MediaConfig, captions Captions, screen Screen) (*Service, error) {
	s := &Service{Cell: c, Media: media, Captions: captions, Screen: screen}
	river.AddWorker(c.Workers, &processVideoWorker{c: s})
	var err error
	s.Uploads, err = s.NewUploadHandler()
	return s, err
}

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
	"fmt"
	"sync"
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
	// Blocked reports whether a video's temporal fingerprint (one frame
	// hash per 1/fingerprint.Rate s) shows media on the block list.
	Blocked(ctx context.Context, fingerprint []uint64) (bool, error)
	// BlockUpload removes a video that matched the block list.
	BlockUpload(ctx context.Context, v *kurz.Video) error
	// SoundBlocked reports whether an audio print is the audio of a
	// blocked sound.
	SoundBlocked(ctx context.Context, print kurz.AudioPrint) (bool, error)
	// Hold puts a processed video on hold for review if the rules say so
	// (always when its audio is of a blocked sound), in transaction q,
	// and reports whether it did.
	Hold(ctx context.Context, q kurz.Queries, v *kurz.Video, soundBlocked bool) (bool, error)
}

// Service runs the video pipeline of one region.
type Service struct {
	*cell.Cell
	Media    MediaConfig
	Captions Captions
	Screen   Screen
	// Uploads is the region's tus endpoint.
	Uploads *handler.UnroutedHandler

	mediaKeys keyCache // owners' keys for serving sealed media
	// downloads holds a lock per video whose download is being made.
	downloads sync.Map
}

// MediaConfig sets the video pipeline's limits and resources.
type MediaConfig struct {
	FFmpeg *ffmpeg.Runner
	// Slots is shared by every cell of the process: the transcodes that
	// may run at once, sized to the machine, and each person's share.
	Slots *Slots
	// MaxUploadBytes bounds one upload (default 512 MiB).
	MaxUploadBytes int64
	// DailyUploads is how many uploads a person may create per UTC day;
	// deleting videos gives none back.
	DailyUploads int
	// StorageQuota bounds the summed upload sizes of a person's videos
	// (0: no bound).
	StorageQuota int64
	// KeepOriginals keeps raw uploads after processing (under originals/);
	// by default they are deleted, since they are personal data.
	KeepOriginals bool
	// MaxAttempts is how often processing is tried before the video fails.
	MaxAttempts int
	// NodeID names this process to the job queue; a restarted node with
	// the same ID takes back the videos it was processing when it died.
	NodeID string
	// TusStore, if set, puts tus uploads somewhere shared by the region's
	// nodes (tusd's S3 store); the finished upload is then read from the
	// region's blobs at cell.UploadKey. Nil keeps them in the uploads
	// folder.
	TusStore func(*handler.StoreComposer)
	// PublicMedia fetches remix sources through the public media path of
	// their region (nil: remixes fail).
	PublicMedia PublicMedia
	// UploadTTL is how long an unfinished upload is kept.
	UploadTTL time.Duration
	// AcceptOnly marks a node that accepts uploads but never processes
	// them (an API node): its own media box does not matter, the
	// workers' does.
	AcceptOnly bool
}

// Upload is what a person sends when starting an upload.
type Upload struct {
	Caption    string
	Visibility string // "" means the person's default
	Size       int64
	// RemixKind and RemixOf make the upload a remix of a public video
	// (kurz.Remix*): "use this sound", a duet or a stitch.
	RemixKind, RemixOf string
	// Layout lays a duet out (kurz.DuetSide, the default, or DuetTop).
	Layout string
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
	if _, err := c.Media.FFmpeg.CheckBox(ctx); err != nil && !c.Media.FFmpeg.Unboxed && !c.Media.AcceptOnly {
		// Nothing is accepted that could not be processed safely.
		return nil, kurz.Errorf(kurz.EUnavailable, "this server cannot process videos at the moment; please try again later")
	}
	if in.Size > c.Media.MaxUploadBytes {
		return nil, kurz.Errorf(kurz.ETooLarge, "this file is larger than the %d MiB limit", c.Media.MaxUploadBytes>>20)
	}
	captionErr := kurz.CheckCaption(in.Caption)
	if captionErr == nil {
		captionErr = c.Screen.CheckWords("caption", in.Caption)
	}
	if err := c.CheckMentions(c.PolicyViewer(ctx, owner), "caption", in.Caption); err != nil {
		return nil, err
	}
	if in.Visibility == "" {
		in.Visibility = kurz.Public
		if owner.Private {
			in.Visibility = kurz.Private
		}
	}
	// Every bad field at once, so the form marks them all.
	if err := kurz.FieldErrors(captionErr, kurz.CheckVisibility(in.Visibility)); err != nil {
		return nil, err
	}
	acct, err := c.Store.AccountByID(ctx, owner.ID)
	if err != nil {
		return nil, err
	}
	sound, err := c.checkRemix(acct.Minor, in.RemixKind, in.RemixOf)
	if err != nil {
		return nil, err
	}
	layout, err := kurz.CheckDuetLayout(in.RemixKind, in.Layout)
	if err != nil {
		return nil, err
	}
	// The free-space floor: an upload that would leave less is refused
	// before anything is written.
	if err := c.CheckSpace(in.Size); err != nil {
		return nil, err
	}
	now := c.Now().UTC().Truncate(time.Millisecond)
	v := &kurz.Video{ID: kurz.NewID(c.Region), OwnerID: owner.ID, Status: kurz.StatusUploading, Visibility: in.Visibility,
		UploadSize: in.Size, CreatedAt: now, UpdatedAt: now, RemixKind: in.RemixKind, RemixOf: in.RemixOf, RemixLayout: layout, SoundID: sound}
	// Duets, stitches and downloads of one's videos: on for adults, off
	// for 13-15 year olds (they may turn them on later).
	if !acct.Minor {
		v.Allow = kurz.AllowAll
	}
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		if err := c.takeUploadQuota(ctx, q, owner.ID, in.Size, now); err != nil {
			return err
		}
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

// takeUploadQuota counts one upload created today against the daily cap
// and checks the person's storage quota, in the transaction that creates
// the video. Uploads are counted when created, so deleting videos gives
// nothing back; the count comes first, so that on PostgreSQL a second
// upload of the same person waits for the first before it sums storage.
func (c *Service) takeUploadQuota(ctx context.Context, q kurz.Queries, ownerID string, size int64, now time.Time) error {
	ok, err := q.TakeWork(ctx, ownerID, kurz.WorkUpload, kurz.Day(now), c.Media.DailyUploads)
	if err != nil {
		return err
	}
	if !ok {
		return &kurz.Error{Code: kurz.ERateLimited, RetryAfter: untilNextDay(now),
			Message: fmt.Sprintf("you have reached today's upload limit (%d uploads a day, deleted ones included); it resets at midnight UTC", c.Media.DailyUploads)}
	}
	if c.Media.StorageQuota <= 0 {
		return nil
	}
	used, err := q.StorageUsed(ctx, ownerID)
	if err != nil {
		return err
	}
	if used+size > c.Media.StorageQuota {
		return &kurz.Error{Code: kurz.ERateLimited, RetryAfter: 3600,
			Message: fmt.Sprintf("this upload would take your videos past your storage quota (%d of %d MiB used); delete some videos first",
				used>>20, c.Media.StorageQuota>>20)}
	}
	return nil
}

// untilNextDay is the number of seconds from now to the next midnight UTC,
// when the daily quotas start again.
func untilNextDay(now time.Time) int {
	return int((kurz.Day(now)+1)*86400 - now.Unix())
}

// DropAbandoned deletes an upload that never received its last byte and
// gives its upload back to the day it was counted on: no processing work
// was done for it.
func (c *Service) DropAbandoned(ctx context.Context, v *kurz.Video) error {
	return c.Store.Tx(ctx, func(q kurz.Queries) error {
		if err := q.DeleteVideo(ctx, v.ID); err != nil {
			return err
		}
		return q.GiveBackWork(ctx, v.OwnerID, kurz.WorkUpload, kurz.Day(v.CreatedAt))
	})
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
	if v.Status != kurz.StatusPlayable { // a playable one stays shown while its ladder is made
		v.Status = kurz.StatusProcessing
	}
	v.JobGen, v.Worker, v.UpdatedAt = v.JobGen+1, "", c.Now().UTC()
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
	river.AddWorker(c.Workers, &resealWorker{c: s})
	var err error
	s.Uploads, err = s.NewUploadHandler()
	return s, err
}

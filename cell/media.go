package cell

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"kurz"
	"kurz/link"
)

// The region's files live in Blobs under keys made from IDs: a video's
// renditions, poster and preview under media/<id>/, a kept original at
// originals/<id>, a sealed export at exports/<id>.zip.sealed. Uploads in
// flight are tus's and stay in UploadsDir. A profile picture lives at
// avatars/<person>/<version>.jpg.

// MediaKey is the prefix of a video's media objects.
func MediaKey(videoID string) string { return "media/" + videoID }

// OriginalKey is where a kept raw upload lives.
func OriginalKey(videoID string) string { return "originals/" + videoID }

// ExportKey is a sealed export archive.
func ExportKey(id string) string { return "exports/" + id + ".zip.sealed" }

// AvatarKey is where version ver of a person's profile picture lives
// (sealed under their data key); AvatarPrefix holds all of theirs.
func AvatarKey(userID, ver string) string { return AvatarPrefix(userID) + "/" + ver + ".jpg" }

// AvatarPrefix is the prefix of a person's profile pictures.
func AvatarPrefix(userID string) string { return "avatars/" + userID }

// UploadsDir is where tus keeps uploads in flight, named by video ID.
func (c *Cell) UploadsDir() string { return filepath.Join(c.Dir, "uploads") }

// RemoveVideoFiles deletes every file of a video: media, upload, original.
//
// A reseal or a publish of the video in progress may be writing its
// files: the removal waits for it (HoldMedia), so that no file comes back
// after it. The callers have deleted or hidden the video's row before, so
// a reseal or publish that starts later finds nothing to do.
func (c *Cell) RemoveVideoFiles(ctx context.Context, id string) error {
	release, _, err := c.HoldMedia(ctx, id, 30*time.Second) // then the files go anyway
	if err == nil {
		defer release()
	}
	return errors.Join(c.Blobs.DeletePrefix(ctx, MediaKey(id)), c.Blobs.Delete(ctx, OriginalKey(id)), c.RemoveUpload(id))
}

// HoldMedia waits, at most wait, for the lease on a video's media files
// (ResealLease: one writer at a time, on any node: a reseal, a publish, a
// removal) and takes it. held is false if it was not to be had in time
// (release is then a no-op).
func (c *Cell) HoldMedia(ctx context.Context, id string, wait time.Duration) (release func(), held bool, err error) {
	deadline := c.Now().Add(wait)
	for {
		lease, err := c.Store.TryLease(ctx, ResealLease(id))
		if err != nil || ctx.Err() != nil {
			return func() {}, false, errors.Join(err, ctx.Err())
		}
		if lease != nil {
			return lease.Release, true, nil
		}
		if c.Now().After(deadline) {
			return func() {}, false, nil
		}
		Sleep(ctx, 50*time.Millisecond)
	}
}

// WriteProgress writes a video's processing progress (in percent, read
// from percent with the status it is for; kurz.Video's Progress) to its
// row for the job of generation gen while the row has that status, every
// second when it moved, until the returned stop is called.
func (c *Cell) WriteProgress(ctx context.Context, id string, gen int, percent func() (string, int)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last, lastStatus := -1, ""
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			status, now := percent()
			if now = min(now, 99); now != last || status != lastStatus {
				if err := c.Store.SetVideoProgress(ctx, id, gen, status, now); err != nil && ctx.Err() == nil {
					c.Log.Warn("video progress", "video_id", id, "err", err)
				}
				last, lastStatus = now, status
			}
		}
	}()
	return func() { cancel(); <-done }
}

// RemoveUpload deletes an upload's bytes, tus's files about it and its
// sealing index (UploadIndexKey), in the
// uploads folder or, for a region whose uploads go to object storage, in
// Blobs under uploads/ (an unfinished multipart upload there is left to
// the bucket's lifecycle rule for incomplete uploads).
func (c *Cell) RemoveUpload(id string) error {
	var errs []error
	for _, name := range []string{id, id + ".info", id + ".lock", id + ".part", id + ".seal"} {
		if err := os.Remove(filepath.Join(c.UploadsDir(), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		if c.UploadsInBlobs {
			errs = append(errs, c.Blobs.Delete(context.Background(), UploadKey(name)))
		}
	}
	return errors.Join(errs...)
}

// UploadIndexKey is where the index of a sealed upload lies (its key and
// frames; see package sealedmedia): beside the upload, in the uploads
// folder or in object storage.
func UploadIndexKey(videoID string) string { return UploadKey(videoID + ".seal") }

// UploadKey is where a finished upload lies when uploads go to object
// storage (tusd's S3 store completes the multipart upload there).
func UploadKey(name string) string { return "uploads/" + name }

// QueueDelta records, in the actor's transaction, a counter change for an
// object of any region. Its key is random, so it reveals nothing of the
// actor; replication delivers it until the owner acknowledges.
func (c *Cell) QueueDelta(ctx context.Context, q kurz.Queries, objectID, field string, delta int64) error {
	return c.QueueDeltaNote(ctx, q, objectID, field, delta, nil)
}

// QueueDeltaNote queues a counter delta that carries a note for the inbox
// of the object's owner (a like, a follow; field "mention" counts
// nothing and only carries its note). The note goes with the delta, so it
// arrives once, however often the delivery is retried.
func (c *Cell) QueueDeltaNote(ctx context.Context, q kurz.Queries, objectID, field string, delta int64, note *link.InboxNote) error {
	region, err := kurz.ParseID(objectID)
	if err != nil {
		return err
	}
	var text []byte
	if note != nil {
		if text, err = json.Marshal(note); err != nil {
			return err
		}
	}
	b := make([]byte, 16)
	rand.Read(b)
	return q.QueueDelta(ctx, &kurz.Delta{Key: base64.RawURLEncoding.EncodeToString(b), Region: region, ObjectID: objectID,
		Field: field, Delta: delta, CreatedAt: c.Now().UTC(), Note: string(text)})
}

// RandomID is an unguessable 144-bit identifier (exports, notices).
func RandomID() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ResealMediaArgs is the job that makes a video's media files match its
// visibility: sealed under the owner's data key unless the video is
// public (the pipeline runs it; whoever changes a visibility enqueues it).
type ResealMediaArgs struct {
	VideoID string `json:"video_id"`
}

func (ResealMediaArgs) Kind() string { return "reseal_media" }

// ResealLease names the lease a reseal of a video holds (one at a time,
// on any node; RemoveVideoFiles waits for it).
func ResealLease(videoID string) string { return "reseal:" + videoID }

// EnqueueReseal enqueues ResealMediaArgs, in transaction tx if not nil.
// The job is idempotent and reads the visibility when it runs, so
// repeated changes need no deduplication.
func (c *Cell) EnqueueReseal(ctx context.Context, tx *sql.Tx, videoID string) error {
	var err error
	if tx != nil {
		_, err = c.Jobs.InsertTx(ctx, tx, ResealMediaArgs{VideoID: videoID}, nil)
	} else {
		_, err = c.Jobs.Insert(ctx, ResealMediaArgs{VideoID: videoID}, nil)
	}
	return err
}

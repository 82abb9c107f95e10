package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/blob"
	"kurz/cell"
	"kurz/sealedmedia"
)

// Media of videos that are not public is sealed at rest under the owner's
// data key (package sealedmedia); public media stays plain so it can be
// sent from the file or a presigned URL. A change of visibility enqueues
// cell.ResealMediaArgs, run here.

type resealWorker struct {
	river.WorkerDefaults[cell.ResealMediaArgs]
	c *Service
}

func (w *resealWorker) Work(ctx context.Context, job *river.Job[cell.ResealMediaArgs]) error {
	// One reseal of a video at a time, on any node: two at once could
	// each replace a file the other just wrote.
	lease, err := w.c.Store.TryLease(ctx, cell.ResealLease(job.Args.VideoID))
	if err != nil {
		return err
	}
	if lease == nil {
		return river.JobSnooze(time.Second)
	}
	defer lease.Release()
	return w.c.Reseal(ctx, job.Args.VideoID)
}

// Reseal makes every media file of a video sealed or plain as its
// visibility says, one file at a time (each replaced whole). It repeats
// until the visibility holds still over a whole pass.
func (c *Service) Reseal(ctx context.Context, videoID string) error {
	for range 3 {
		v, err := c.Store.VideoByID(ctx, videoID)
		if errors.Is(err, kurz.ErrNotFound) {
			return nil // deleted: its files go with it
		}
		if err != nil {
			return err
		}
		want := v.Visibility != kurz.Public
		k, err := c.DataKey(ctx, v.OwnerID)
		if errors.Is(err, kurz.ErrNotFound) {
			return nil // the owner was erased: the files go with the video
		}
		if err != nil {
			return err
		}
		list, err := c.Blobs.List(ctx, cell.MediaKey(videoID))
		if err != nil {
			return err
		}
		changed := 0
		for _, info := range list {
			did, err := c.resealFile(ctx, info.Key, want, k)
			if err != nil {
				return err
			}
			if did {
				changed++
			}
		}
		now, err := c.Store.VideoByID(ctx, videoID)
		if errors.Is(err, kurz.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if (now.Visibility != kurz.Public) == want {
			if changed > 0 {
				c.Log.Info("media resealed", "video_id", videoID, "sealed", want, "files", changed)
			}
			return nil
		}
	}
	return errors.New("the visibility kept changing while the media was resealed")
}

func (c *Service) resealFile(ctx context.Context, key string, want bool, k sealedmedia.Key) (bool, error) {
	o, err := c.Blobs.Open(ctx, key)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer o.Close()
	fi, err := o.Stat()
	if err != nil {
		return false, err
	}
	b, change, err := sealedmedia.Reseal(o, fi.Size(), key, want, k)
	if err != nil || !change {
		return false, err
	}
	o.Close()
	return true, c.Blobs.Put(ctx, key, bytes.NewReader(b))
}

// OpenMedia returns the plaintext of a video's media object (its blob key
// and opened object): the object itself if plain, decrypted with the
// owner's data key if sealed. Whether the viewer may see it is decided
// before.
func (c *Service) OpenMedia(ctx context.Context, key string, o blob.Object, size int64) (io.ReadSeeker, error) {
	r, _, err := sealedmedia.Plain(o, size, key, func() (sealedmedia.Key, error) {
		id, _, _ := strings.Cut(strings.TrimPrefix(key, cell.MediaKey("")), "/")
		return c.mediaKeys.get(id, func() (sealedmedia.Key, error) { return c.ownerKey(ctx, id) }, c.Now())
	})
	return r, err
}

// mediaKeyTTL is how long an owner's opened key is kept for serving the
// segments of one video that follow each other (a player fetches one every
// few seconds). It lives in memory only; an erased person's media is
// refused before (hidden at once) and deleted with the key.
const mediaKeyTTL = 30 * time.Second

// keyCache keeps the opened key of the owner of a video being played, so
// each segment does not read the video row and the key store again.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	k   sealedmedia.Key
	exp time.Time
}

func (kc *keyCache) get(videoID string, open func() (sealedmedia.Key, error), now time.Time) (sealedmedia.Key, error) {
	kc.mu.Lock()
	if e, ok := kc.m[videoID]; ok && now.Before(e.exp) {
		kc.mu.Unlock()
		return e.k, nil
	}
	kc.mu.Unlock()
	k, err := open()
	if err != nil {
		return nil, err
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if kc.m == nil || len(kc.m) >= 10_000 {
		kc.m = map[string]cachedKey{} // bounded: start afresh
	}
	kc.m[videoID] = cachedKey{k: k, exp: now.Add(mediaKeyTTL)}
	return k, nil
}

// sealFileTo writes the sealed form of the local file src to dst.
func sealFileTo(src, dst, scope string, k sealedmedia.Key) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := sealedmedia.Seal(out, in, k, scope); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// sealedMarker records that SealExisting has run in a region.
const sealedMarker = "media/sealed-at-rest-v1"

// SealExisting enqueues, once per region, the resealing of non-public
// videos whose media was written before media was sealed at rest (an
// upgraded region). Later changes enqueue their own jobs.
func (c *Service) SealExisting(ctx context.Context) error {
	if _, err := c.Blobs.Stat(ctx, sealedMarker); err == nil {
		return nil
	}
	videos, err := c.Store.VideosInStatus(ctx, kurz.StatusReady, c.Now().Add(24*time.Hour))
	if err != nil {
		return err
	}
	n := 0
	for _, v := range videos {
		if v.Visibility == kurz.Public {
			continue
		}
		o, err := c.Blobs.Open(ctx, cell.MediaKey(v.ID)+"/master.m3u8")
		if err != nil {
			continue
		}
		sealed := sealedmedia.IsSealed(sealedmedia.ReaderAt(o))
		o.Close()
		if sealed {
			continue
		}
		if err := c.EnqueueReseal(ctx, nil, v.ID); err != nil {
			return err
		}
		n++
	}
	if n > 0 {
		c.Log.Info("sealing the media of non-public videos written before", "videos", n)
	}
	return c.Blobs.Put(ctx, sealedMarker, strings.NewReader(c.Now().UTC().Format(time.RFC3339)+"\n"))
}

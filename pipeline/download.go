package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"kurz"
	"kurz/cell"
	"kurz/ffmpeg"
)

// Download returns the blob key of a public video's download: its
// highest rendition as an MP4 with "kurz · @handle" drawn in a corner,
// made on the first request and kept beside the video's media (so it goes
// wherever they go: a takedown or deletion removes it too). A video that
// is not public and ready is ErrNotFound; one whose creator does not
// allow downloads, EForbidden. The switch is checked on every request.
func (c *Service) Download(ctx context.Context, id string) (string, error) {
	v, err := c.Store.VideoByID(ctx, id)
	if err != nil || v.Status != kurz.StatusReady || v.Visibility != kurz.Public {
		return "", kurz.ErrNotFound
	}
	if v.Allow&kurz.AllowDownload == 0 {
		return "", kurz.Errorf(kurz.EForbidden, "the creator of this video does not allow downloads")
	}
	key := cell.MediaKey(id) + "/" + ffmpeg.DownloadName
	if _, err := c.Blobs.Stat(ctx, key); err == nil {
		return key, nil
	}
	// One download of a video is made at a time; others wait for it.
	mu, _ := c.downloads.LoadOrStore(id, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer func() {
		c.downloads.Delete(id)
		mu.(*sync.Mutex).Unlock()
	}()
	if _, err := c.Blobs.Stat(ctx, key); err == nil {
		return key, nil
	}
	owner, err := c.Store.ProfileByID(ctx, v.OwnerID)
	if err != nil {
		return "", err
	}
	stage, cleanup, err := c.Blobs.Stage(ctx)
	if err != nil {
		return "", err
	}
	defer cleanup()
	dir := filepath.Join(stage, "download")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src := filepath.Join(dir, ffmpeg.SourceName)
	if err := c.fetchSource(ctx, id, src); err != nil {
		return "", err
	}
	info, err := c.Media.FFmpeg.Probe(ctx, src)
	if err != nil {
		return "", err
	}
	out, err := c.Media.FFmpeg.Watermark(ctx, src, info, "kurz · @"+owner.Handle, dir)
	if err != nil {
		return "", err
	}
	f, err := os.Open(out)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return key, c.Blobs.Put(ctx, key, f)
}

package cell

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"

	"kurz"
)

// The region's files: media folders of published videos, uploads in
// flight, kept originals and exports. Every path comes from an ID.

// UploadsDir is where tus keeps uploads in flight, named by video ID.
func (c *Cell) UploadsDir() string { return filepath.Join(c.Dir, "uploads") }

// MediaDir is the folder of a video's renditions, poster and preview.
func (c *Cell) MediaDir(videoID string) string { return filepath.Join(c.Dir, "media", videoID) }

// OriginalPath is where a kept raw upload lives.
func (c *Cell) OriginalPath(videoID string) string { return filepath.Join(c.Dir, "originals", videoID) }

// ExportPath is a sealed export archive.
func (c *Cell) ExportPath(id string) string { return filepath.Join(c.Dir, "exports", id+".zip.sealed") }

// RemoveVideoFiles deletes every file of a video: media, upload, original.
func (c *Cell) RemoveVideoFiles(id string) {
	os.RemoveAll(c.MediaDir(id))
	c.RemoveUpload(id)
	os.Remove(c.OriginalPath(id))
}

// RemoveUpload deletes an upload's bytes and tus's files about it.
func (c *Cell) RemoveUpload(id string) {
	os.Remove(filepath.Join(c.UploadsDir(), id))
	os.Remove(filepath.Join(c.UploadsDir(), id+".info"))
	os.Remove(filepath.Join(c.UploadsDir(), id+".lock"))
}

// QueueDelta records, in the actor's transaction, a counter change for an
// object of any region. Its key is random, so it reveals nothing of the
// actor; replication delivers it until the owner acknowledges.
func (c *Cell) QueueDelta(ctx context.Context, q kurz.Queries, objectID, field string, delta int64) error {
	region, err := kurz.ParseID(objectID)
	if err != nil {
		return err
	}
	b := make([]byte, 16)
	rand.Read(b)
	return q.QueueDelta(ctx, &kurz.Delta{Key: base64.RawURLEncoding.EncodeToString(b), Region: region, ObjectID: objectID,
		Field: field, Delta: delta, CreatedAt: c.Now().UTC()})
}

// RandomID is an unguessable 144-bit identifier (exports, notices).
func RandomID() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

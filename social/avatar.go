package social

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"kurz"
	"kurz/avatar"
	"kurz/blob"
	"kurz/cell"
	"kurz/sealedmedia"
)

// Profile pictures. An upload is checked and re-encoded here, in the
// person's home region (package avatar: nothing of the file but its
// pixels survives), sealed under the person's data key at
// cell.AvatarKey, and its version goes on the profile, which is
// republished with the person's videos (their records carry it), so
// every region's catalogue names the new picture. Erasure destroys the
// key and deletes the files; other regions' edges drop their copies
// when the profile leaves or changes (cell.OnVideoGone).

// SetAvatar makes data (a JPEG, PNG or WebP picture) the person's
// profile picture, cropped to crop; it returns the new version.
func (c *Service) SetAvatar(ctx context.Context, viewer *kurz.Profile, data []byte, crop avatar.Crop) (string, error) {
	if viewer.Region() != c.Region {
		return "", kurz.ErrNotFound
	}
	pic, err := avatar.Process(data, crop)
	if err != nil {
		return "", err
	}
	dk, err := c.DataKey(ctx, viewer.ID)
	if err != nil {
		return "", err
	}
	b := make([]byte, 8)
	rand.Read(b)
	ver := hex.EncodeToString(b)
	key := cell.AvatarKey(viewer.ID, ver)
	var sealed bytes.Buffer
	if err := sealedmedia.Seal(&sealed, bytes.NewReader(pic), dk, key); err != nil {
		return "", err
	}
	if err := c.Blobs.Put(ctx, key, &sealed); err != nil {
		return "", err
	}
	old, err := c.setAvatarVersion(ctx, viewer.ID, ver)
	if err != nil {
		c.Blobs.Delete(context.WithoutCancel(ctx), key)
		return "", err
	}
	if old != "" {
		c.Blobs.Delete(ctx, cell.AvatarKey(viewer.ID, old))
	}
	return ver, nil
}

// RemoveAvatar takes the person's profile picture down.
func (c *Service) RemoveAvatar(ctx context.Context, viewer *kurz.Profile) error {
	old, err := c.setAvatarVersion(ctx, viewer.ID, "")
	if err == nil && old != "" {
		err = c.Blobs.Delete(ctx, cell.AvatarKey(viewer.ID, old))
	}
	return err
}

// setAvatarVersion writes the profile's picture version and republishes
// the profile and the person's videos; it returns the version before.
func (c *Service) setAvatarVersion(ctx context.Context, userID, ver string) (old string, err error) {
	err = c.Tx(ctx, func(q kurz.Queries) error {
		p, err := q.ProfileByID(ctx, userID)
		if err != nil {
			return err
		}
		old = p.Avatar
		if old == ver {
			return nil
		}
		p.Avatar = ver
		if err := q.UpdateProfile(ctx, p); err != nil {
			return err
		}
		return c.Outbox.SyncPersonLog(ctx, q, userID)
	})
	return old, err
}

// AvatarVisible says whether version ver of userID's picture (a person of
// this region) may be served: it is their current one, and their profile
// is in the public catalogue (not pending erasure, not terminated), or
// the viewer is the person.
func (c *Service) AvatarVisible(ctx context.Context, viewer *kurz.Profile, userID, ver string) bool {
	p, err := c.Store.ProfileByID(ctx, userID)
	if err != nil || p.Avatar == "" || p.Avatar != ver {
		return false
	}
	if viewer != nil && viewer.ID == userID {
		return true
	}
	pp, ok := c.Index.Profile(userID)
	return ok && pp.Avatar == ver
}

// OpenAvatar decrypts a profile picture opened from Blobs at key (for
// media.Serve's Plain).
func (c *Service) OpenAvatar(ctx context.Context, key string, o blob.Object, size int64) (io.ReadSeeker, error) {
	rest, ok := strings.CutPrefix(key, "avatars/")
	userID, _, _ := strings.Cut(rest, "/")
	if !ok || userID == "" {
		return nil, errors.New("not a profile picture")
	}
	r, _, err := sealedmedia.Plain(o, size, key, func() (sealedmedia.Key, error) { return c.DataKey(ctx, userID) })
	return r, err
}

package cell

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/ffmpeg"
)

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

// Folders of a cell's media.
func (c *Cell) UploadsDir() string             { return filepath.Join(c.Dir, "uploads") }
func (c *Cell) MediaDir(videoID string) string { return filepath.Join(c.Dir, "media", videoID) }
func (c *Cell) originalPath(videoID string) string {
	return filepath.Join(c.Dir, "originals", videoID)
}

// VideoJSON is the API shape of a video.
type VideoJSON struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	Error      string   `json:"error,omitempty"`
	Visibility string   `json:"visibility"`
	Caption    string   `json:"caption"`
	Hashtags   []string `json:"hashtags"`
	Creator    struct {
		ID     string `json:"id"`
		Handle string `json:"handle"`
	} `json:"creator"`
	DurationMS int64     `json:"duration_ms"`
	Width      int       `json:"width"`
	Height     int       `json:"height"`
	HLSURL     string    `json:"hls_url,omitempty"`
	PosterURL  string    `json:"poster_url,omitempty"`
	PreviewURL string    `json:"preview_url,omitempty"`
	Likes      int64     `json:"likes"`
	Comments   int64     `json:"comments"`
	Views      int64     `json:"views"`
	CreatedAt  time.Time `json:"created_at"`
	Liked      bool      `json:"liked"`
	Following  bool      `json:"following"`
}

// Upload is what a person sends when starting an upload.
type Upload struct {
	Caption    string
	Visibility string // "" means the person's default
	Size       int64
}

// StartUpload checks an upload request and records the video it will
// become, in status uploading. It runs before the first byte is accepted.
func (c *Cell) StartUpload(ctx context.Context, owner *kurz.Profile, in Upload) (*kurz.Video, error) {
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
	if err := c.checkWords("caption", in.Caption); err != nil {
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
	now := c.now().UTC().Truncate(time.Millisecond)
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
		if err := c.setCaption(ctx, q, v, in.Caption); err != nil {
			return err
		}
		if err := q.CreateVideo(ctx, v); err != nil {
			return err
		}
		return c.syncHashtags(ctx, q, v, in.Caption)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// setCaption stores a caption in the right class: plain for public videos,
// sealed with the owner's key otherwise.
func (c *Cell) setCaption(ctx context.Context, q kurz.Queries, v *kurz.Video, caption string) error {
	if v.Visibility == kurz.Public {
		v.Caption, v.CaptionSealed = caption, nil
		return nil
	}
	dk, err := c.dataKey(ctx, q, v.OwnerID)
	if err != nil {
		return err
	}
	v.Caption, v.CaptionSealed = "", dk.Seal("caption:"+v.ID, []byte(caption))
	return nil
}

// caption returns a video's caption, opening it for non-public videos.
func (c *Cell) caption(ctx context.Context, q kurz.Queries, v *kurz.Video) (string, error) {
	if v.CaptionSealed == nil {
		return v.Caption, nil
	}
	dk, err := c.dataKey(ctx, q, v.OwnerID)
	if err != nil {
		return "", err
	}
	b, err := dk.Open("caption:"+v.ID, v.CaptionSealed)
	return string(b), err
}

// syncHashtags stores the caption's hashtags for public videos only.
func (c *Cell) syncHashtags(ctx context.Context, q kurz.Queries, v *kurz.Video, caption string) error {
	var tags []string
	if v.Visibility == kurz.Public {
		tags = kurz.Hashtags(caption)
	}
	return q.SetHashtags(ctx, v.ID, tags, v.CreatedAt)
}

// UploadOwner returns the video of an upload if viewer owns it; anyone
// else gets ErrNotFound, so upload URLs reveal nothing.
func (c *Cell) UploadOwner(ctx context.Context, viewer *kurz.Profile, videoID string) (*kurz.Video, error) {
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
func (c *Cell) FinishUpload(ctx context.Context, videoID string) error {
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
func (c *Cell) enqueueProcessing(ctx context.Context, tx *sql.Tx, q kurz.Queries, v *kurz.Video) error {
	waiting, err := q.CountVideos(ctx, v.OwnerID, time.Time{}, kurz.StatusProcessing)
	if err != nil {
		return err
	}
	v.Status, v.JobGen, v.Worker, v.UpdatedAt = kurz.StatusProcessing, v.JobGen+1, "", c.now().UTC()
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

// CanView reports whether viewer (nil: anonymous) may see v.
func (c *Cell) CanView(ctx context.Context, viewer *kurz.Profile, v *kurz.Video) bool {
	if viewer != nil && viewer.ID == v.OwnerID {
		return true
	}
	if v.Status != kurz.StatusReady || c.Hidden(ctx, v.OwnerID) {
		return false
	}
	switch v.Visibility {
	case kurz.Public:
		return true
	case kurz.Followers:
		return viewer != nil && c.Follows(ctx, viewer.ID, v.OwnerID)
	}
	return false
}

// Follows reports whether follower (of any region) follows followee. The
// follow is the follower's personal data, so their home region answers.
func (c *Cell) Follows(ctx context.Context, followerID, followeeID string) bool {
	region, err := kurz.ParseID(followerID)
	if err != nil {
		return false
	}
	if region == c.Region {
		return c.IsFollowing(ctx, followerID, followeeID)
	}
	var out struct{ Follows bool }
	err = c.Link.Call(ctx, region, "GET", "/link/v1/follows?follower="+url.QueryEscape(followerID)+"&followee="+url.QueryEscape(followeeID), nil, &out)
	return err == nil && out.Follows
}

// Video returns a video as viewer may see it; others get ErrNotFound.
func (c *Cell) Video(ctx context.Context, viewer *kurz.Profile, id string) (*VideoJSON, error) {
	v, err := c.Store.VideoByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.CanView(ctx, viewer, v) {
		return nil, kurz.ErrNotFound
	}
	return c.videoJSON(ctx, viewer, v)
}

func (c *Cell) videoJSON(ctx context.Context, viewer *kurz.Profile, v *kurz.Video) (*VideoJSON, error) {
	caption, err := c.caption(ctx, c.Store, v)
	if err != nil {
		return nil, err
	}
	owner, err := c.Store.ProfileByID(ctx, v.OwnerID)
	if err != nil {
		return nil, err
	}
	tags := kurz.Hashtags(caption)
	if tags == nil {
		tags = []string{}
	}
	out := &VideoJSON{ID: v.ID, Status: v.Status, Visibility: v.Visibility, Caption: caption, Hashtags: tags,
		DurationMS: v.DurationMS, Width: v.Width, Height: v.Height, Likes: v.Likes, Comments: v.Comments, Views: v.Views,
		CreatedAt: v.CreatedAt}
	out.Creator.ID, out.Creator.Handle = owner.ID, owner.Handle
	if v.Status == kurz.StatusFailed || v.Status == kurz.StatusRemoved {
		out.Error = v.Error
	}
	if v.Status == kurz.StatusReady {
		q := ""
		if v.Visibility != kurz.Public {
			q = "?t=" + c.MediaToken(v.ID, c.now().Add(MediaTokenTTL))
		}
		base := "/media/" + v.ID + "/"
		out.HLSURL, out.PosterURL, out.PreviewURL = base+"master.m3u8"+q, base+"poster.jpg"+q, base+"preview.mp4"+q
	}
	return out, nil
}

// VideoPatch changes a video; nil fields stay.
type VideoPatch struct {
	Caption    *string `json:"caption"`
	Visibility *string `json:"visibility"`
}

// UpdateVideo lets the owner change caption and visibility.
func (c *Cell) UpdateVideo(ctx context.Context, viewer *kurz.Profile, id string, p VideoPatch) (*VideoJSON, error) {
	var out *kurz.Video
	err := c.tx(ctx, func(q kurz.Queries) error {
		v, err := q.VideoByID(ctx, id)
		if err != nil {
			return err
		}
		if viewer == nil || v.OwnerID != viewer.ID {
			return kurz.ErrNotFound
		}
		if v.Status == kurz.StatusRemoved {
			return kurz.Errorf(kurz.EForbidden, "this video was removed and cannot be changed")
		}
		caption, err := c.caption(ctx, q, v)
		if err != nil {
			return err
		}
		if p.Caption != nil {
			if err := kurz.CheckCaption(*p.Caption); err != nil {
				return err
			}
			if err := c.checkWords("caption", *p.Caption); err != nil {
				return err
			}
			caption = *p.Caption
		}
		if p.Visibility != nil {
			if err := kurz.CheckVisibility(*p.Visibility); err != nil {
				return err
			}
			v.Visibility = *p.Visibility
		}
		if err := c.setCaption(ctx, q, v, caption); err != nil {
			return err
		}
		v.UpdatedAt = c.now().UTC()
		if err := q.UpdateVideo(ctx, v); err != nil {
			return err
		}
		out = v
		if err := c.syncHashtags(ctx, q, v, caption); err != nil {
			return err
		}
		return c.syncVideoLog(ctx, q, v)
	})
	if err != nil {
		return nil, err
	}
	return c.videoJSON(ctx, viewer, out)
}

// DeleteVideo lets the owner delete a video with its media and upload.
func (c *Cell) DeleteVideo(ctx context.Context, viewer *kurz.Profile, id string) error {
	v, err := c.Store.VideoByID(ctx, id)
	if err != nil {
		return err
	}
	if viewer == nil || v.OwnerID != viewer.ID {
		return kurz.ErrNotFound
	}
	err = c.tx(ctx, func(q kurz.Queries) error {
		if err := q.DeleteVideo(ctx, id); err != nil {
			return err
		}
		v.Status = "deleted"
		return c.syncVideoLog(ctx, q, v)
	})
	if err != nil {
		return err
	}
	c.removeFiles(id)
	return nil
}

// removeFiles deletes every file of a video: media, upload, original.
func (c *Cell) removeFiles(id string) {
	os.RemoveAll(c.MediaDir(id))
	c.removeUpload(id)
	os.Remove(c.originalPath(id))
}

func (c *Cell) removeUpload(id string) {
	os.Remove(filepath.Join(c.UploadsDir(), id))
	os.Remove(filepath.Join(c.UploadsDir(), id+".info"))
	os.Remove(filepath.Join(c.UploadsDir(), id+".lock"))
}

// MediaTokenTTL is how long a media URL of a non-public video works.
const MediaTokenTTL = 2 * time.Hour

// MediaToken returns a capability for the media of one video until exp:
// the expiry and a keyed hash of video and expiry.
func (c *Cell) MediaToken(videoID string, exp time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(exp.Unix()))
	mac := c.Keys.Index("media-url", append([]byte(videoID+"\x00"), b...))[:16]
	return base64.RawURLEncoding.EncodeToString(append(b, mac...))
}

// CheckMediaToken verifies a media token for videoID.
func (c *Cell) CheckMediaToken(videoID, token string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 24 {
		return false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])), 0)
	if c.now().After(exp) {
		return false
	}
	want := c.Keys.Index("media-url", append([]byte(videoID+"\x00"), raw[:8]...))[:16]
	return hmac.Equal(want, raw[8:])
}

// MediaVisible reports whether the media of a video may be served to a
// request: public ready videos to anyone, others with a valid token.
func (c *Cell) MediaVisible(ctx context.Context, videoID, token string) (bool, error) {
	// Public, published videos are in the catalogue: no database read per
	// segment. The catalogue drops a video as soon as its removal is logged.
	if token == "" && c.Index != nil {
		if _, ok := c.Index.Video(videoID); ok {
			return true, nil
		}
	}
	v, err := c.Store.VideoByID(ctx, videoID)
	if errors.Is(err, kurz.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if v.Status != kurz.StatusReady {
		return false, nil
	}
	if v.Visibility == kurz.Public {
		return true, nil
	}
	return token != "" && c.CheckMediaToken(videoID, token), nil
}

func marshalRenditions(r []ffmpeg.Rendition) string {
	b, _ := json.Marshal(r)
	return string(b)
}

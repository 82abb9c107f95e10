// Package video owns video records: captions (sealed unless public),
// hashtags, who may see a video, owners' edits and deletion, media
// tokens and the media-visibility check. It never imports another
// concern package; what it needs from them it declares here.
package video

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/ffmpeg"
	"kurz/policy"
)

// TextFilter checks text a person writes against the operator's filters.
type TextFilter interface {
	CheckWords(field, text string) error
}

// Service applies the video rules of one region.
type Service struct {
	*cell.Cell
	Words TextFilter
}

// New returns the video service of region c.
func New(c *cell.Cell, words TextFilter) *Service { return &Service{Cell: c, Words: words} }

// VideoJSON is the API shape of a video.
type VideoJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Progress is how far processing is, in percent, toward playable
	// while processing and toward ready while playable: for the owner
	// only.
	Progress   *int     `json:"progress,omitempty"`
	Visibility string   `json:"visibility"`
	Caption    string   `json:"caption"`
	Hashtags   []string `json:"hashtags"`
	Creator    struct {
		ID     string `json:"id"`
		Handle string `json:"handle"`
		// AvatarURL is the creator's profile picture ("" none).
		AvatarURL string `json:"avatar_url,omitempty"`
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
	// Label is a moderation label shown with the video.
	Label string `json:"label,omitempty"`
	// Sound is the ID of the sound the video uses (its own ID for its
	// own audio); Remix says how and from which video it was made;
	// Allow what its creator lets others do.
	Sound string `json:"sound,omitempty"`
	// SoundName is the name the creator gave the video's own sound ("":
	// "original sound – @handle" in the reader's language).
	SoundName string     `json:"sound_name,omitempty"`
	Remix     *RemixJSON `json:"remix,omitempty"`
	Allow     AllowJSON  `json:"allow"`
	// Liked and Following come last (feedjson appends them).
	Liked     bool `json:"liked"`
	Following bool `json:"following"`
}

// RemixJSON names a remix's kind and source.
type RemixJSON struct {
	Kind   string `json:"kind"`
	Of     string `json:"of"`
	Layout string `json:"layout,omitempty"` // a duet's: top (stacked); side by side if left out
}

// AllowJSON are a video's duet, stitch and download switches.
type AllowJSON struct {
	Duet     bool `json:"duet"`
	Stitch   bool `json:"stitch"`
	Download bool `json:"download"`
}

// RemixFields fills the sound, remix and allow fields of a record.
func (out *VideoJSON) RemixFields(id, sound, kind, of string, allow int) {
	out.Sound = sound
	if out.Sound == "" {
		out.Sound = id
	}
	if kind != "" {
		out.Remix = &RemixJSON{Kind: kind, Of: of}
	}
	out.Allow = AllowJSON{Duet: allow&kurz.AllowDuet != 0, Stitch: allow&kurz.AllowStitch != 0, Download: allow&kurz.AllowDownload != 0}
}

// SetCaption stores a caption in the right class: plain for public videos,
// sealed with the owner's key otherwise.
func (c *Service) SetCaption(ctx context.Context, q kurz.Queries, v *kurz.Video, caption string) error {
	if v.Visibility == kurz.Public {
		v.Caption, v.CaptionSealed = caption, nil
		return nil
	}
	dk, err := c.DataKey(ctx, v.OwnerID)
	if err != nil {
		return err
	}
	v.Caption, v.CaptionSealed = "", dk.Seal("caption:"+v.ID, []byte(caption))
	return nil
}

// Caption returns a video's caption, opening it for non-public videos.
func (c *Service) Caption(ctx context.Context, q kurz.Queries, v *kurz.Video) (string, error) {
	if v.CaptionSealed == nil {
		return v.Caption, nil
	}
	dk, err := c.DataKey(ctx, v.OwnerID)
	if err != nil {
		return "", err
	}
	b, err := dk.Open("caption:"+v.ID, v.CaptionSealed)
	return string(b), err
}

// SyncHashtags stores the caption's hashtags for public videos only.
func (c *Service) SyncHashtags(ctx context.Context, q kurz.Queries, v *kurz.Video, caption string) error {
	var tags []string
	if v.Visibility == kurz.Public {
		tags = kurz.Hashtags(caption)
	}
	return q.SetHashtags(ctx, v.ID, tags, v.CreatedAt)
}

// Decide is the visibility policy's answer for who on surface f about v,
// a video of this region: the subject's state and the viewer's relation
// to its owner are read here.
func (c *Service) Decide(ctx context.Context, who policy.Viewer, v *kurz.Video, f policy.Surface) (policy.Decision, error) {
	sub, err := c.Subject(ctx, c.Store, v)
	if err != nil {
		return policy.Decision{}, err
	}
	return policy.Decide(c.Relate(ctx, who, v.OwnerID), sub, f), nil
}

// Video returns a video as who may see it on surface f; others get
// ErrNotFound.
func (c *Service) Video(ctx context.Context, who policy.Viewer, id string, f policy.Surface) (*VideoJSON, error) {
	v, err := c.Store.VideoByID(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := c.Decide(ctx, who, v, f)
	if err != nil || !d.See {
		return nil, kurz.ErrNotFound
	}
	out, err := c.Record(ctx, v)
	if err != nil {
		return nil, err
	}
	out.Label = d.Label
	if (v.Status == kurz.StatusProcessing || v.Status == kurz.StatusPlayable) && who.ID != "" && who.ID == v.OwnerID {
		out.Progress = &v.Progress
	}
	return out, nil
}

// Record is the API shape of v, for a viewer the policy let see it. Its
// media URLs carry a media token unless anyone anywhere may load them.
func (c *Service) Record(ctx context.Context, v *kurz.Video) (*VideoJSON, error) {
	caption, err := c.Caption(ctx, c.Store, v)
	if err != nil {
		return nil, err
	}
	owner, err := c.Store.ProfileByID(ctx, v.OwnerID)
	if err != nil {
		return nil, err
	}
	sub, err := c.Subject(ctx, c.Store, v)
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
	out.Creator.ID, out.Creator.Handle, out.Creator.AvatarURL = owner.ID, owner.Handle, kurz.AvatarURL(owner.ID, owner.Avatar)
	out.RemixFields(v.ID, v.SoundID, v.RemixKind, v.RemixOf, v.Allow)
	out.SoundName = v.SoundName
	if out.Remix != nil {
		out.Remix.Layout = v.RemixLayout
	}
	if v.Status == kurz.StatusFailed || v.Status == kurz.StatusRemoved || v.Status == kurz.StatusHeld {
		out.Error = v.Error // the owner sees why
	}
	if kurz.Showable(v.Status) {
		q := ""
		if !OpenMedia(sub) {
			q = "?t=" + c.MediaToken(v.ID, c.Now().Add(MediaTokenTTL))
		}
		out.HLSURL, out.PosterURL, out.PreviewURL = MediaURLs(v.ID, q)
	}
	return out, nil
}

// OpenMedia reports whether a video's media may be served without a
// token: anyone, signed in or not, at any door, may see it.
func OpenMedia(s policy.Subject) bool {
	return s.Public() && !s.AgeRestricted && len(s.Countries) == 0
}

// MediaURLs are the paths of a video's master playlist, poster and
// preview, as ffmpeg names them, with query (a media token, or "") added.
func MediaURLs(videoID, query string) (hls, poster, preview string) {
	base := "/media/" + videoID + "/"
	return base + ffmpeg.MasterName + query, base + ffmpeg.PosterName + query, base + ffmpeg.PreviewName + query
}

// VideoPatch changes a video; nil fields stay.
type VideoPatch struct {
	Caption    *string `json:"caption"`
	Visibility *string `json:"visibility"`
	// Allow switches duets, stitches and downloads of the video; a field
	// left out keeps its switch.
	// SoundName names the video's own sound (only while it is public;
	// "" goes back to the default name).
	SoundName *string `json:"sound_name"`
	Allow     *struct {
		Duet     *bool `json:"duet"`
		Stitch   *bool `json:"stitch"`
		Download *bool `json:"download"`
	} `json:"allow"`
}

// setAllow applies the switches a patch names.
func (p VideoPatch) setAllow(v *kurz.Video) {
	if p.Allow == nil {
		return
	}
	for _, f := range []struct {
		on  *bool
		bit int
	}{{p.Allow.Duet, kurz.AllowDuet}, {p.Allow.Stitch, kurz.AllowStitch}, {p.Allow.Download, kurz.AllowDownload}} {
		switch {
		case f.on == nil:
		case *f.on:
			v.Allow |= f.bit
		default:
			v.Allow &^= f.bit
		}
	}
}

// UpdateVideo lets the owner change caption and visibility.
func (c *Service) UpdateVideo(ctx context.Context, viewer *kurz.Profile, id string, p VideoPatch) (*VideoJSON, error) {
	var out *kurz.Video
	madePrivate := false
	err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
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
		caption, err := c.Caption(ctx, q, v)
		if err != nil {
			return err
		}
		if p.Caption != nil {
			if err := kurz.CheckCaption(*p.Caption); err != nil {
				return err
			}
			if err := c.Words.CheckWords("caption", *p.Caption); err != nil {
				return err
			}
			if err := c.CheckMentions(c.PolicyViewer(ctx, viewer), "caption", *p.Caption); err != nil {
				return err
			}
			caption = *p.Caption
		}
		if p.Visibility != nil {
			if err := kurz.CheckVisibility(*p.Visibility); err != nil {
				return err
			}
			madePrivate = v.Visibility == kurz.Public && *p.Visibility != kurz.Public
			if (v.Visibility == kurz.Public) != (*p.Visibility == kurz.Public) {
				// The media is sealed or unsealed to match, in a job
				// enqueued with the change (see package sealedmedia).
				if err := c.EnqueueReseal(ctx, tx, v.ID); err != nil {
					return err
				}
			}
			v.Visibility = *p.Visibility
		}
		p.setAllow(v)
		if err := c.nameSound(v, p.SoundName); err != nil {
			return err
		}
		if err := c.SetCaption(ctx, q, v, caption); err != nil {
			return err
		}
		v.UpdatedAt = c.Now().UTC()
		if err := q.UpdateVideo(ctx, v); err != nil {
			return err
		}
		out = v
		if err := c.SyncHashtags(ctx, q, v, caption); err != nil {
			return err
		}
		return c.Outbox.SyncVideoLog(ctx, q, v)
	})
	if err != nil {
		return nil, err
	}
	if madePrivate {
		// The plaintext caption and the public log entries that carried it
		// are deleted; fold the write-ahead log so no copy stays beside
		// the database (on PostgreSQL, see README on dead tuples).
		if err := c.Store.Checkpoint(ctx); err != nil {
			c.Log.Warn("checkpoint after a video went private", "err", err)
		}
	}
	return c.Record(ctx, out)
}

// nameSound applies a patch's sound name. A sound has a name of its
// creator's only while its video is public (the name is public data then,
// and nothing else keeps it): a video made non-public loses it.
func (c *Service) nameSound(v *kurz.Video, name *string) error {
	if name != nil {
		n, err := kurz.CheckSoundName(*name)
		switch {
		case err != nil:
			return err
		case v.SoundID != "":
			return kurz.FieldError("sound_name", "this video uses another video's sound; only a video's own sound can be named")
		case v.Visibility != kurz.Public && n != "":
			return kurz.FieldError("sound_name", "only the sound of a public video can be named")
		}
		if err := c.Words.CheckWords("sound_name", n); err != nil {
			return err
		}
		v.SoundName = n
	}
	if v.Visibility != kurz.Public {
		v.SoundName = ""
	}
	return nil
}

// DeleteVideo lets the owner delete a video with its media and upload.
func (c *Service) DeleteVideo(ctx context.Context, viewer *kurz.Profile, id string) error {
	v, err := c.Store.VideoByID(ctx, id)
	if err != nil {
		return err
	}
	if viewer == nil || v.OwnerID != viewer.ID {
		return kurz.ErrNotFound
	}
	err = c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.DeleteVideo(ctx, id); err != nil {
			return err
		}
		v.Status = "deleted"
		return c.Outbox.SyncVideoLog(ctx, q, v)
	})
	if err != nil {
		return err
	}
	if err := c.RemoveVideoFiles(ctx, id); err != nil {
		c.Log.Warn("removing a deleted video's files", "video_id", id, "err", err)
	}
	return nil
}

// MediaTokenTTL is how long a media URL of a non-public video works.
const MediaTokenTTL = 2 * time.Hour

// MediaToken returns a capability for the media of one video until exp:
// the expiry and a keyed hash of video and expiry.
func (c *Service) MediaToken(videoID string, exp time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(exp.Unix()))
	mac := c.Keys.Index("media-url", append([]byte(videoID+"\x00"), b...))[:16]
	return base64.RawURLEncoding.EncodeToString(append(b, mac...))
}

// CheckMediaToken verifies a media token for videoID.
func (c *Service) CheckMediaToken(videoID, token string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 24 {
		return false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])), 0)
	if c.Now().After(exp) {
		return false
	}
	want := c.Keys.Index("media-url", append([]byte(videoID+"\x00"), raw[:8]...))[:16]
	return hmac.Equal(want, raw[8:])
}

// PublicMedia reports whether a video's media is open to everyone at
// this moment: in the catalogue, with neither age nor country limits. No
// database read; the catalogue drops a video as soon as the policy hides
// it from the public (takedown, deletion, erasure, a change to private).
func (c *Service) PublicMedia(videoID string) bool {
	if c.Index == nil {
		return false
	}
	s, ok := policy.PublicFacts(c.Index, videoID) // no record made per request
	return ok && s.OwnerID != "" && OpenMedia(s)
}

// MediaVisible reports whether the media of a video may be served to a
// request: without a token, as the policy answers who (anonymous at the
// request's door, or the signed-in viewer); with a valid one, as it
// answers the viewer the token was made for (whom it let see the record),
// which holds while the video's own state allows (ready, its owner
// neither erasing nor terminated). Everything else is 404.
func (c *Service) MediaVisible(ctx context.Context, videoID, token string, who policy.Viewer) (bool, error) {
	// Open media of public videos is in the catalogue: no database read
	// per segment. The catalogue drops a video as soon as the policy
	// hides it from the public.
	if token == "" && who.ID == "" && c.PublicMedia(videoID) {
		return true, nil
	}
	v, err := c.Store.VideoByID(ctx, videoID)
	if errors.Is(err, kurz.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sub, err := c.Subject(ctx, c.Store, v)
	if err != nil {
		return false, err
	}
	if token == "" {
		return policy.Decide(c.Relate(ctx, who, v.OwnerID), sub, policy.Media).See, nil
	}
	if !c.CheckMediaToken(videoID, token) {
		return false, nil
	}
	return policy.Decide(policy.Viewer{ID: "token", Owner: true}, sub, policy.Media).See, nil
}

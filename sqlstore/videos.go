package sqlstore

import (
	"context"
	"strings"
	"time"

	"kurz"
)

// videoQueries are videos, their hashtags, lists of them, and their daily
// counts (stats.go).
type videoQueries struct{ base }

const videoCols = `id, owner_id, status, visibility, caption, caption_sealed, error, duration_ms, width, height,
	renditions, upload_size, job_gen, worker, likes, comments, views, created_at, updated_at, phash, restrictions,
	remix_kind, remix_of, sound_id, allow, audio_print, sound_name, sound_block, remix_layout, progress`

func scanVideo(row scanner) (*kurz.Video, error) {
	var v kurz.Video
	var created, updated int64
	if err := row.Scan(&v.ID, &v.OwnerID, &v.Status, &v.Visibility, &v.Caption, &v.CaptionSealed, &v.Error,
		&v.DurationMS, &v.Width, &v.Height, &v.Renditions, &v.UploadSize, &v.JobGen, &v.Worker,
		&v.Likes, &v.Comments, &v.Views, &created, &updated, &v.PHash, &v.Restrictions,
		&v.RemixKind, &v.RemixOf, &v.SoundID, &v.Allow, &v.AudioPrint, &v.SoundName, &v.SoundBlock, &v.RemixLayout, &v.Progress); err != nil {
		return nil, err
	}
	v.CreatedAt, v.UpdatedAt = fromMS(created), fromMS(updated)
	return &v, nil
}

func (q videoQueries) CreateVideo(ctx context.Context, v *kurz.Video) error {
	return q.exec(ctx, `INSERT INTO videos (`+videoCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)`,
		v.ID, v.OwnerID, v.Status, v.Visibility, v.Caption, v.CaptionSealed, v.Error, v.DurationMS, v.Width, v.Height,
		v.Renditions, v.UploadSize, v.JobGen, v.Worker, v.Likes, v.Comments, v.Views, ms(v.CreatedAt), ms(v.UpdatedAt), v.PHash, v.Restrictions,
		v.RemixKind, v.RemixOf, v.SoundID, v.Allow, v.AudioPrint, v.SoundName, v.SoundBlock, v.RemixLayout, v.Progress)
}

func (q videoQueries) VideoByID(ctx context.Context, id string) (*kurz.Video, error) {
	v, err := scanVideo(q.r.QueryRowContext(ctx, `SELECT `+videoCols+` FROM videos WHERE id = $1`, id))
	return v, q.wrap(err)
}

func (q videoQueries) UpdateVideo(ctx context.Context, v *kurz.Video) error {
	return q.execOne(ctx, `UPDATE videos SET status = $2, visibility = $3, caption = $4, caption_sealed = $5, error = $6,
		duration_ms = $7, width = $8, height = $9, renditions = $10, upload_size = $11, job_gen = $12, worker = $13, updated_at = $14,
		phash = $15, restrictions = $16, remix_kind = $17, remix_of = $18, sound_id = $19, allow = $20,
		audio_print = $21, sound_name = $22, sound_block = $23, remix_layout = $24 WHERE id = $1`,
		v.ID, v.Status, v.Visibility, v.Caption, v.CaptionSealed, v.Error, v.DurationMS, v.Width, v.Height,
		v.Renditions, v.UploadSize, v.JobGen, v.Worker, ms(v.UpdatedAt), v.PHash, v.Restrictions, v.RemixKind, v.RemixOf, v.SoundID, v.Allow,
		v.AudioPrint, v.SoundName, v.SoundBlock, v.RemixLayout)
}

func (q videoQueries) SetVideoProgress(ctx context.Context, id string, gen int, status string, percent int) error {
	return q.exec(ctx, `UPDATE videos SET progress = $3 WHERE id = $1 AND job_gen = $2 AND status = $4`, id, gen, percent, status)
}

func (q videoQueries) DeleteVideo(ctx context.Context, id string) error {
	return q.exec(ctx, `DELETE FROM videos WHERE id = $1`, id)
}

func (q videoQueries) SetHashtags(ctx context.Context, videoID string, tags []string, at time.Time) error {
	if err := q.exec(ctx, `DELETE FROM video_hashtags WHERE video_id = $1`, videoID); err != nil {
		return err
	}
	for _, t := range tags {
		if err := q.exec(ctx, `INSERT INTO video_hashtags (video_id, tag, created_at) VALUES ($1, $2, $3)`, videoID, t, ms(at)); err != nil {
			return err
		}
	}
	return nil
}

func (q videoQueries) HashtagsOf(ctx context.Context, videoID string) ([]string, error) {
	return q.strings(ctx, `SELECT tag FROM video_hashtags WHERE video_id = $1 ORDER BY tag`, videoID)
}

func (q videoQueries) CountVideos(ctx context.Context, ownerID string, since time.Time, statuses ...string) (int, error) {
	query := `SELECT count(*) FROM videos WHERE owner_id = $1 AND created_at >= $2`
	args := []any{ownerID, ms(since)}
	if len(statuses) > 0 {
		ph := make([]string, len(statuses))
		for i, s := range statuses {
			args = append(args, s)
			ph[i] = "$" + itoa(len(args))
		}
		query += ` AND status IN (` + strings.Join(ph, ", ") + `)`
	}
	var n int
	err := q.r.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, q.wrap(err)
}

func (q videoQueries) VideosInStatus(ctx context.Context, status string, before time.Time) ([]*kurz.Video, error) {
	return q.videos(ctx, `SELECT `+videoCols+` FROM videos WHERE status = $1 AND updated_at < $2 ORDER BY created_at LIMIT 1000`, status, ms(before))
}

func (q videoQueries) PublicVideos(ctx context.Context) ([]*kurz.Video, error) {
	return q.videos(ctx, `SELECT `+videoCols+` FROM videos WHERE status IN ($1, $2) AND visibility = $3`, kurz.StatusReady, kurz.StatusPlayable, kurz.Public)
}

func (q videoQueries) VideosOf(ctx context.Context, ownerID string) ([]*kurz.Video, error) {
	return q.videos(ctx, `SELECT `+videoCols+` FROM videos WHERE owner_id = $1 ORDER BY created_at DESC, id DESC`, ownerID)
}

func (q videoQueries) videos(ctx context.Context, query string, args ...any) ([]*kurz.Video, error) {
	return list(ctx, q.base, scanVideo, query, args...)
}

package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"kurz"
	"kurz/ffmpeg"
)

// PublicMedia fetches a file of a public video's media (its master
// playlist, a variant playlist, a segment) through the public media path
// of the region that owns it: what any viewer can fetch, nothing more.
// A video that is not public (any more) is kurz.ErrNotFound.
type PublicMedia func(ctx context.Context, videoID, file string) (io.ReadCloser, error)

// Source limits: a source's highest variant is fetched whole, at most
// maxSourceSegments segments and MaxUploadBytes in all.
const maxSourceSegments = 600

// errSourceGone is the owner-facing reason a remix fails when its source
// went away between upload and processing.
const errSourceGone = "the video you used is no longer available"

// checkRemix decides whether owner may make a remix of kind from source:
// the source must be in the public catalogue (so a private, removed or
// unknown video is refused alike), visible to the owner, and its creator
// must allow duets and stitches. It returns the sound the new video
// uses ("" for its own).
func (c *Service) checkRemix(minor bool, kind, source string) (string, error) {
	if err := kurz.CheckRemix(kind, source); err != nil || kind == "" {
		return "", err
	}
	src, ok := c.Index.Video(source)
	if !ok || (src.AgeRestricted && minor) {
		return "", &kurz.Error{Code: kurz.ENotFound, Field: "remix_of", Message: "that video is not available to use"}
	}
	// A blocked sound is used by no new video: not taken, and not mixed
	// into a duet or stitch.
	snd := src.Sound
	if snd == "" {
		snd = src.ID
	}
	if sv, ok := c.Index.Video(snd); ok && sv.SoundBlocked {
		return "", &kurz.Error{Code: kurz.EForbidden, Field: "remix_of", Message: "the sound of that video is blocked by moderators and cannot be used"}
	}
	switch {
	case kind == kurz.RemixDuet && src.Allow&kurz.AllowDuet == 0:
		return "", &kurz.Error{Code: kurz.EForbidden, Field: "remix_of", Message: "the creator of that video does not allow duets"}
	case kind == kurz.RemixStitch && src.Allow&kurz.AllowStitch == 0:
		return "", &kurz.Error{Code: kurz.EForbidden, Field: "remix_of", Message: "the creator of that video does not allow stitches"}
	case kind == kurz.RemixSound && src.Sound != "":
		return src.Sound, nil
	case kind == kurz.RemixSound:
		return src.ID, nil
	}
	return "", nil
}

// remix makes the composed input of a remix in folder dir: it fetches
// the source through the public media path, probes it and composes it
// with the upload. A source that is gone, or that fails, ends the video
// with errSourceGone (a *ffmpeg.RejectError).
func (c *Service) remix(ctx context.Context, v *kurz.Video, input string, info *ffmpeg.Info, dir string) (string, error) {
	if c.Media.PublicMedia == nil {
		return "", errors.New("pipeline: no public media path to fetch remix sources from")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src := filepath.Join(dir, ffmpeg.SourceName)
	err := c.fetchSource(ctx, v.RemixOf, src)
	if kurz.ErrorCode(err) == kurz.ENotFound {
		return "", &ffmpeg.RejectError{Reason: errSourceGone}
	}
	if err != nil {
		return "", err
	}
	srcInfo, err := c.Media.FFmpeg.Probe(ctx, src)
	var rej *ffmpeg.RejectError
	if errors.As(err, &rej) {
		return "", &ffmpeg.RejectError{Reason: errSourceGone}
	}
	if err != nil {
		return "", err
	}
	kind := v.RemixKind
	if kind == kurz.RemixDuet && v.RemixLayout == kurz.DuetTop {
		kind = ffmpeg.ComposeDuetTop
	}
	return c.Media.FFmpeg.Compose(ctx, kind, input, info, srcInfo, dir)
}

// fetchSource writes the source video's highest variant (its MPEG-TS
// segments, one after the other) to dst.
func (c *Service) fetchSource(ctx context.Context, id, dst string) error {
	master, err := c.fetchSmall(ctx, id, ffmpeg.MasterName)
	if err != nil {
		return err
	}
	uris := playlistURIs(master)
	if len(uris) == 0 {
		return kurz.Errorf(kurz.ENotFound, "no variants")
	}
	variant := uris[len(uris)-1] // lowest first: the last is the highest
	list, err := c.fetchSmall(ctx, id, variant)
	if err != nil {
		return err
	}
	segs := playlistURIs(list)
	if len(segs) == 0 || len(segs) > maxSourceSegments {
		return kurz.Errorf(kurz.ENotFound, "unusable variant")
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	budget := c.Media.MaxUploadBytes
	for _, s := range segs {
		rc, err := c.Media.PublicMedia(ctx, id, path.Join(path.Dir(variant), s))
		if err != nil {
			return err
		}
		n, err := io.Copy(f, io.LimitReader(rc, budget+1))
		rc.Close()
		if err != nil {
			return err
		}
		if budget -= n; budget < 0 {
			return kurz.Errorf(kurz.ENotFound, "source too large")
		}
	}
	return f.Close()
}

// fetchSmall fetches a playlist (at most 1 MiB).
func (c *Service) fetchSmall(ctx context.Context, id, file string) ([]byte, error) {
	rc, err := c.Media.PublicMedia(ctx, id, file)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 1<<20 {
		return nil, fmt.Errorf("pipeline: playlist %s of %s too large", file, id)
	}
	return b, nil
}

// playlistURIs lists the relative URIs of an HLS playlist (query strings
// dropped); anything absolute or climbing out of the video's folder is
// left out.
func playlistURIs(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line, _, _ = strings.Cut(line, "?")
		if strings.Contains(line, ":") || strings.HasPrefix(line, "/") || strings.Contains(line, "..") {
			continue
		}
		out = append(out, line)
	}
	return out
}

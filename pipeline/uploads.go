package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"kurz/cell"
	"kurz/sealedmedia"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"kurz"
	"kurz/apitext"
)

// UploadBasePath is where the tus endpoint lives.
const UploadBasePath = "/api/v1/uploads/"

type viewerKey struct{}

// WithViewer stores the signed-in person in a request context for the
// upload hooks.
func WithViewer(ctx context.Context, p *kurz.Profile) context.Context {
	return context.WithValue(ctx, viewerKey{}, p)
}

func viewerOf(ctx context.Context) *kurz.Profile {
	p, _ := ctx.Value(viewerKey{}).(*kurz.Profile)
	return p
}

// NewUploadHandler builds the cell's tus 1.0 endpoint (tusd as a library).
// Uploads are stored in the cell's uploads folder under the video's ID.
// The caller authenticates every request and checks ownership of
// existing uploads; the hooks here check the new upload and hand finished
// ones to processing.
func (c *Service) NewUploadHandler() (*handler.UnroutedHandler, error) {
	composer := handler.NewStoreComposer()
	if c.Media.TusStore != nil {
		// Object storage shared by the region's nodes: a resumed upload
		// may arrive at another node, so the lock is a region lease.
		c.Media.TusStore(composer)
		composer.UseLocker(leaseLocker{c.Cell})
	} else {
		if err := os.MkdirAll(c.UploadsDir(), 0o700); err != nil {
			return nil, err
		}
		filestore.New(c.UploadsDir()).UseIn(composer)
		filelocker.New(c.UploadsDir()).UseIn(composer)
	}
	// Every byte is sealed under the owner's data key as it arrives.
	c.sealedUploads().UseIn(composer)
	c.guardStore(composer)
	return handler.NewUnroutedHandler(handler.Config{
		StoreComposer: composer,
		BasePath:      UploadBasePath,
		// The size limit is checked in PreUploadCreateCallback, which
		// answers 413 with kurz's message; tusd then caps every PATCH at
		// the declared Upload-Length.
		MaxSize:              0,
		DisableDownload:      true, // finished uploads are never served back
		DisableConcatenation: true,
		Cors:                 &handler.CorsConfig{Disable: true}, // same origin only
		// tusd logs remote addresses, which are personal data here.
		Logger: xslog.New(xslog.NewTextHandler(io.Discard, nil)),
		PreUploadCreateCallback: func(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
			viewer := viewerOf(hook.Context)
			if viewer == nil {
				return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusError(kurz.Errorf(kurz.EUnauthorized, "please sign in to upload"))
			}
			if hook.Upload.SizeIsDeferred {
				return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusError(kurz.Errorf(kurz.EInvalid, "send Upload-Length; deferred lengths are not accepted"))
			}
			v, err := c.StartUpload(hook.Context, viewer, Upload{
				Caption:    hook.Upload.MetaData["caption"],
				Visibility: hook.Upload.MetaData["visibility"],
				Size:       hook.Upload.Size,
				RemixKind:  hook.Upload.MetaData["remix"],
				RemixOf:    hook.Upload.MetaData["remix_of"],
				Layout:     hook.Upload.MetaData["layout"],
			})
			if err != nil {
				lang := apitext.Lang(hook.HTTPRequest.Header.Get("Accept-Language"))
				return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusErrorIn(lang, err)
			}
			// The metadata (caption, file name) is not kept in tusd's info
			// file: it would sit there in plaintext.
			return handler.HTTPResponse{Header: handler.HTTPHeader{"Kurz-Video-Id": v.ID}},
				handler.FileInfoChanges{ID: v.ID, MetaData: handler.MetaData{}}, nil
		},
		PreFinishResponseCallback: func(hook handler.HookEvent) (handler.HTTPResponse, error) {
			id := VideoOfUpload(hook.Upload.ID)
			if err := c.FinishUpload(hook.Context, id); err != nil {
				c.Log.Error("finish upload", "video_id", id, "err", err)
				return handler.HTTPResponse{}, tusError(err)
			}
			return handler.HTTPResponse{Header: handler.HTTPHeader{"Kurz-Video-Id": id}}, nil
		},
		PreUploadTerminateCallback: func(hook handler.HookEvent) (handler.HTTPResponse, error) {
			if err := c.dropUploading(hook.Context, VideoOfUpload(hook.Upload.ID)); err != nil {
				return handler.HTTPResponse{}, tusError(err)
			}
			return handler.HTTPResponse{}, nil
		},
	})
}

// dropUploading deletes the video of an upload that is given up (by its
// owner, or for lack of space) while it is still uploading.
func (c *Service) dropUploading(ctx context.Context, id string) error {
	v, err := c.Store.VideoByID(ctx, id)
	if err == nil && v.Status == kurz.StatusUploading {
		err = c.Store.DeleteVideo(ctx, v.ID)
	}
	if err != nil && kurz.ErrorCode(err) != kurz.ENotFound {
		return err
	}
	return nil
}

// tusError turns a domain error into a tusd error with kurz's JSON shape.
func tusError(err error) error { return tusErrorIn("en", err) }

// tusErrorIn is tusError with the messages in lang (see apitext).
func tusErrorIn(lang string, err error) error {
	e := kurz.AsError(err)
	status := kurz.HTTPStatus(e.Code)
	body := map[string]any{"code": e.Code, "message": apitext.Message(e, lang)}
	if e.Field != "" {
		body["field"] = e.Field
	}
	if len(e.Fields) > 0 {
		fields := []map[string]string{}
		for _, f := range e.Fields {
			fields = append(fields, map[string]string{"field": f.Field, "message": apitext.Message(f, lang)})
		}
		body["fields"] = fields
	}
	if e.Code == kurz.EInternal {
		body["message"] = "internal error"
	}
	b, _ := json.Marshal(map[string]any{"error": body})
	hdr := handler.HTTPHeader{"Content-Type": "application/json"}
	if e.RetryAfter > 0 {
		hdr["Retry-After"] = strconv.Itoa(e.RetryAfter)
	}
	return handler.Error{ErrorCode: e.Code, Message: e.Message, HTTPResponse: handler.HTTPResponse{StatusCode: status, Body: string(b) + "\n", Header: hdr}}
}

// VideoOfUpload is the video ID of a tus upload ID: the same in the
// folder store; the part before "+" (the multipart upload's ID) in the S3
// store.
func VideoOfUpload(uploadID string) string {
	id, _, _ := strings.Cut(uploadID, "+")
	return id
}

// sealedUploads is the sealing layer over the tus store (see package
// sealedmedia): the owner's data key seals each upload's key.
func (c *Service) sealedUploads() *sealedmedia.Uploads {
	return &sealedmedia.Uploads{Index: c.Blobs, IndexKey: cell.UploadIndexKey, VideoOf: VideoOfUpload, Key: c.ownerKey}
}

// ownerKey is the data key of a video's owner.
func (c *Service) ownerKey(ctx context.Context, videoID string) (sealedmedia.Key, error) {
	v, err := c.Store.VideoByID(ctx, videoID)
	if err != nil {
		return nil, err
	}
	return c.DataKey(ctx, v.OwnerID)
}

// uploadSize is how many bytes of a video's upload have been received and
// assembled (ErrNotExist until the upload is complete in object storage).
func (c *Service) uploadSize(ctx context.Context, videoID string) (int64, error) {
	if c.UploadsInBlobs {
		if _, err := c.Blobs.Stat(ctx, cell.UploadKey(videoID)); err != nil {
			return 0, err
		}
	} else if _, err := os.Stat(filepath.Join(c.UploadsDir(), videoID)); err != nil {
		return 0, err
	}
	return c.sealedUploads().UploadSize(ctx, videoID)
}

// uploadInput returns a local file holding the finished upload's
// plaintext, decrypted into the staging folder for the media box.
func (c *Service) uploadInput(ctx context.Context, stage, videoID string) (string, error) {
	var src io.ReaderAt
	if c.UploadsInBlobs {
		o, err := c.Blobs.Open(ctx, cell.UploadKey(videoID))
		if err != nil {
			return "", err
		}
		defer o.Close()
		src = sealedmedia.ReaderAt(o)
	} else {
		f, err := os.Open(filepath.Join(c.UploadsDir(), videoID))
		if err != nil {
			return "", err
		}
		defer f.Close()
		src = f
	}
	k, err := c.ownerKey(ctx, videoID)
	if err != nil {
		return "", err
	}
	path := filepath.Join(stage, "upload")
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	if err := sealedmedia.ReadUpload(ctx, c.Blobs, cell.UploadIndexKey(videoID), videoID, src, k, out); err != nil {
		out.Close()
		return "", err
	}
	return path, out.Close()
}

// leaseLocker is tusd's lock across the region's nodes: a lease in the
// region's database per upload, polled until the request's context ends.
type leaseLocker struct{ c *cell.Cell }

func (l leaseLocker) NewLock(id string) (handler.Lock, error) {
	return &leaseLock{c: l.c, name: "upload:" + id}, nil
}

type leaseLock struct {
	c     *cell.Cell
	name  string
	lease kurz.Lease
}

func (l *leaseLock) Lock(ctx context.Context, requestRelease func()) error {
	for {
		lease, err := l.c.Store.TryLease(ctx, l.name)
		if err != nil {
			return err
		}
		if lease != nil {
			l.lease = lease
			return nil
		}
		select {
		case <-ctx.Done():
			return handler.ErrLockTimeout
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *leaseLock) Unlock() error {
	if l.lease != nil {
		l.lease.Release()
		l.lease = nil
	}
	return nil
}

package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"

	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"kurz"
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
	if err := os.MkdirAll(c.UploadsDir(), 0o700); err != nil {
		return nil, err
	}
	store := filestore.New(c.UploadsDir())
	locker := filelocker.New(c.UploadsDir())
	composer := handler.NewStoreComposer()
	store.UseIn(composer)
	locker.UseIn(composer)
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
			})
			if err != nil {
				return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusError(err)
			}
			// The metadata (caption, file name) is not kept in tusd's info
			// file: it would sit there in plaintext.
			return handler.HTTPResponse{Header: handler.HTTPHeader{"Kurz-Video-Id": v.ID}},
				handler.FileInfoChanges{ID: v.ID, MetaData: handler.MetaData{}}, nil
		},
		PreFinishResponseCallback: func(hook handler.HookEvent) (handler.HTTPResponse, error) {
			if err := c.FinishUpload(hook.Context, hook.Upload.ID); err != nil {
				c.Log.Error("finish upload", "video_id", hook.Upload.ID, "err", err)
				return handler.HTTPResponse{}, tusError(err)
			}
			return handler.HTTPResponse{Header: handler.HTTPHeader{"Kurz-Video-Id": hook.Upload.ID}}, nil
		},
		PreUploadTerminateCallback: func(hook handler.HookEvent) (handler.HTTPResponse, error) {
			v, err := c.Store.VideoByID(hook.Context, hook.Upload.ID)
			if err == nil && v.Status == kurz.StatusUploading {
				err = c.Store.DeleteVideo(hook.Context, v.ID)
			}
			if err != nil && kurz.ErrorCode(err) != kurz.ENotFound {
				return handler.HTTPResponse{}, tusError(err)
			}
			return handler.HTTPResponse{}, nil
		},
	})
}

// tusError turns a domain error into a tusd error with kurz's JSON shape.
func tusError(err error) error {
	e := kurz.AsError(err)
	status := kurz.HTTPStatus(e.Code)
	body := map[string]any{"code": e.Code, "message": e.Message}
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

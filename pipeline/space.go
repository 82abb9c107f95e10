package pipeline

import (
	"context"
	"errors"
	"io"
	"syscall"

	"github.com/tus/tusd/v2/pkg/handler"

	"kurz"
)

// The upload store and locker are wrapped so that (1) the free-space floor
// is checked before an upload is created and before each chunk is
// written, (2) an upload that runs out of space mid-write is discarded
// whole (files, video row, the day's quota) instead of being kept half
// written, and (3) no error of theirs reaches a client as tusd would send
// it: with the server's file paths in the message. Every error leaves here
// as a kurz error in the one JSON shape; the cause goes to the log.

// safeStore wraps the upload store (a folder, or object storage).
type safeStore struct {
	s       *Service
	core    handler.DataStore
	term    handler.TerminaterDataStore
	lengths handler.LengthDeferrerDataStore
}

// safeUpload wraps one upload of the store.
type safeUpload struct {
	st *safeStore
	id string
	u  handler.Upload
}

// guardStore puts the wrappers around the store and locker that composer
// holds. Concatenation and downloads are off, so their parts go.
func (c *Service) guardStore(composer *handler.StoreComposer) {
	st := &safeStore{s: c, core: composer.Core, term: composer.Terminater, lengths: composer.LengthDeferrer}
	composer.Core = st
	if composer.UsesTerminater {
		composer.Terminater = st
	}
	if composer.UsesLengthDeferrer {
		composer.LengthDeferrer = st
	}
	if composer.UsesLocker {
		composer.Locker = safeLocker{st: st, l: composer.Locker}
	}
	composer.UsesConcater, composer.Concater = false, nil
	composer.UsesContentServer, composer.ContentServer = false, nil
}

// NewUpload runs after StartUpload has checked the upload (the free-space
// floor included) and recorded its video.
func (st *safeStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	u, err := st.core.NewUpload(ctx, info)
	if err != nil {
		// The info file may be there, the data file not: drop both, and
		// the video row StartUpload made.
		if u, gerr := st.core.GetUpload(ctx, info.ID); gerr == nil && st.term != nil {
			st.term.AsTerminatableUpload(u).Terminate(ctx)
		}
		if derr := st.s.dropUploading(ctx, VideoOfUpload(info.ID)); derr != nil {
			st.s.Log.Warn("drop the video of a failed upload", "video_id", info.ID, "err", derr)
		}
		return nil, st.fail(ctx, info.ID, "create", err)
	}
	return &safeUpload{st: st, id: info.ID, u: u}, nil
}

func (st *safeStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	u, err := st.core.GetUpload(ctx, id)
	if err != nil {
		return nil, st.fail(ctx, id, "open", err)
	}
	return &safeUpload{st: st, id: id, u: u}, nil
}

func (st *safeStore) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	return u.(*safeUpload)
}

func (st *safeStore) AsLengthDeclarableUpload(u handler.Upload) handler.LengthDeclarableUpload {
	return u.(*safeUpload)
}

// fail turns a store error into a client-safe tus error: tusd's own errors
// (not found, lock timeouts) pass; running out of space is 507; anything
// else is logged and answered as an internal error.
func (st *safeStore) fail(ctx context.Context, id, op string, err error) error {
	var te handler.Error
	switch {
	case errors.As(err, &te):
		return err
	case errors.Is(err, context.Canceled):
		return err
	case isNoSpace(err):
		st.s.Log.Warn("upload store out of space", "op", op, "video_id", VideoOfUpload(id))
		return tusError(&kurz.Error{Code: kurz.ENoSpace, RetryAfter: 300,
			Message: "the server ran out of storage space and discarded this upload; please upload again later"})
	}
	st.s.Log.Error("upload store", "op", op, "video_id", VideoOfUpload(id), "err", err)
	return tusError(&kurz.Error{Code: kurz.EInternal, Message: "internal error", Cause: err})
}

func (u *safeUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	if err := u.st.s.CheckSpace(0); err != nil {
		return 0, tusError(err)
	}
	n, err := u.u.WriteChunk(ctx, offset, src)
	if err != nil && isNoSpace(err) {
		// Nothing half-written is kept: the upload goes whole, its space
		// and its place in the day's quota come back.
		u.discard(ctx)
		return 0, u.st.fail(ctx, u.id, "write", err)
	}
	if err != nil {
		return n, u.st.fail(ctx, u.id, "write", err)
	}
	return n, nil
}

// discard deletes the upload's files and its video row (still uploading).
func (u *safeUpload) discard(ctx context.Context) {
	if u.st.term != nil {
		if err := u.st.term.AsTerminatableUpload(u.u).Terminate(ctx); err != nil {
			u.st.s.Log.Error("discard upload", "video_id", VideoOfUpload(u.id), "err", err)
		}
	}
	if err := u.st.s.dropUploading(ctx, VideoOfUpload(u.id)); err != nil {
		// The sweep of abandoned uploads deletes it later.
		u.st.s.Log.Warn("discard upload's video", "video_id", u.id, "err", err)
	}
}

func (u *safeUpload) GetInfo(ctx context.Context) (handler.FileInfo, error) {
	info, err := u.u.GetInfo(ctx)
	if err != nil {
		return info, u.st.fail(ctx, u.id, "info", err)
	}
	return info, nil
}

func (u *safeUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	r, err := u.u.GetReader(ctx)
	if err != nil {
		return nil, u.st.fail(ctx, u.id, "read", err)
	}
	return r, nil
}

func (u *safeUpload) FinishUpload(ctx context.Context) error {
	if err := u.u.FinishUpload(ctx); err != nil {
		return u.st.fail(ctx, u.id, "finish", err)
	}
	return nil
}

func (u *safeUpload) Terminate(ctx context.Context) error {
	if err := u.st.term.AsTerminatableUpload(u.u).Terminate(ctx); err != nil {
		return u.st.fail(ctx, u.id, "terminate", err)
	}
	return nil
}

func (u *safeUpload) DeclareLength(ctx context.Context, length int64) error {
	if err := u.st.lengths.AsLengthDeclarableUpload(u.u).DeclareLength(ctx, length); err != nil {
		return u.st.fail(ctx, u.id, "declare length", err)
	}
	return nil
}

// safeLocker wraps tusd's file locker: its errors carry lock file paths.
type safeLocker struct {
	st *safeStore
	l  handler.Locker
}

func (l safeLocker) NewLock(id string) (handler.Lock, error) {
	lk, err := l.l.NewLock(id)
	if err != nil {
		return nil, l.st.fail(context.Background(), id, "lock", err)
	}
	return safeLock{st: l.st, id: id, l: lk}, nil
}

type safeLock struct {
	st *safeStore
	id string
	l  handler.Lock
}

func (l safeLock) Lock(ctx context.Context, requestUnlock func()) error {
	if err := l.l.Lock(ctx, requestUnlock); err != nil {
		return l.st.fail(ctx, l.id, "lock", err)
	}
	return nil
}

func (l safeLock) Unlock() error {
	if err := l.l.Unlock(); err != nil {
		return l.st.fail(context.Background(), l.id, "unlock", err)
	}
	return nil
}

// isNoSpace reports a write refused for lack of space or quota.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

package sealedmedia

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/minio/sio"
	"github.com/tus/tusd/v2/pkg/handler"

	"kurz/blob"
)

// Uploads seals tus uploads as they arrive. Each PATCH body is cut into
// frames of at most FrameSize bytes; each frame is a DARE stream under a
// key derived from the upload's key and the frame's plaintext offset, and
// is appended to the store below (tusd's folder or S3 store) as it is.
// The upload's key, wrapped by the owner's data key, and the list of
// frames (where each lies and how much it holds) are kept in a small
// index object beside the upload, replaced after every PATCH. The offset
// tus reports is the sum of the indexed frames, so bytes of a frame that
// was cut off (a dropped connection, a killed process) are never counted:
// the client sends them again, they land after the cut frame, and the cut
// one is skipped when the upload is read.
type Uploads struct {
	Core handler.DataStore
	// Term is the core's terminater (nil if it has none).
	Term handler.TerminaterDataStore
	// Lengths lets the core's length be set to the sealed bytes it will
	// hold (an object store completes its last part only when the length
	// is reached).
	Lengths handler.LengthDeferrerDataStore
	// Index is where the index objects live (key IndexKey).
	Index blob.Store
	// IndexKey names the index object of a video's upload.
	IndexKey func(videoID string) string
	// VideoOf is the video ID of an upload ID.
	VideoOf func(uploadID string) string
	// Key returns the data key of the owner of a video.
	Key func(ctx context.Context, videoID string) (Key, error)
}

// FrameSize is the most plaintext one frame holds (the memory one PATCH
// in flight holds while it is sealed).
const FrameSize = 1 << 20

// index is an upload's index object.
type index struct {
	// Key is the upload's key, sealed under the owner's data key.
	Key []byte `json:"key"`
	// Size is the upload's length in plaintext.
	Size int64 `json:"size"`
	// Frames are [offset in the stored upload, plaintext length].
	Frames [][2]int64 `json:"frames"`
}

func (ix *index) size() int64 {
	var n int64
	for _, f := range ix.Frames {
		n += f[1]
	}
	return n
}

func uploadField(videoID string) string { return "upload:" + videoID }

func frameKey(uploadKey []byte, plainOffset int64) ([]byte, error) {
	var salt [8]byte
	binary.BigEndian.PutUint64(salt[:], uint64(plainOffset))
	return hkdf.Key(sha256.New, uploadKey, salt[:], "kurz upload frame v1", keySize)
}

// UseIn puts the sealing store in composer, over its core (and
// terminater). Concatenation and downloads are off. Deferred lengths stay
// announced as the core's were, so that kurz's own check refuses them with
// its message, but a length is never declared through this store.
func (u *Uploads) UseIn(composer *handler.StoreComposer) {
	u.Core = composer.Core
	composer.Core = u
	if composer.UsesTerminater {
		u.Term = composer.Terminater
		composer.Terminater = u
	}
	if composer.UsesLengthDeferrer {
		u.Lengths = composer.LengthDeferrer
		composer.LengthDeferrer = u
	}
	composer.UsesConcater, composer.Concater = false, nil
	composer.UsesContentServer, composer.ContentServer = false, nil
}

func (u *Uploads) readIndex(ctx context.Context, videoID string) (*index, error) {
	b, err := blob.Read(ctx, u.Index, u.IndexKey(videoID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, handler.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var ix index
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("upload index of %s: %w", videoID, err)
	}
	return &ix, nil
}

func (u *Uploads) writeIndex(ctx context.Context, videoID string, ix *index) error {
	b, err := json.Marshal(ix)
	if err != nil {
		return err
	}
	return u.Index.Put(ctx, u.IndexKey(videoID), bytes.NewReader(b))
}

// NewUpload makes the upload's key and index, then the upload below.
func (u *Uploads) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	vid := u.VideoOf(info.ID)
	k, err := u.Key(ctx, vid)
	if err != nil {
		return nil, err
	}
	uk := make([]byte, keySize)
	rand.Read(uk)
	ix := &index{Key: k.Seal(uploadField(vid), uk), Size: info.Size, Frames: [][2]int64{}}
	if err := u.writeIndex(ctx, vid, ix); err != nil {
		return nil, err
	}
	core, err := u.Core.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	return &sealedUpload{u: u, core: core, vid: vid}, nil
}

func (u *Uploads) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	core, err := u.Core.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return &sealedUpload{u: u, core: core, vid: u.VideoOf(id)}, nil
}

func (u *Uploads) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return up.(*sealedUpload)
}

func (u *Uploads) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return up.(*sealedUpload)
}

// DeclareLength is refused: a sealed upload's plaintext length is fixed
// when it is created.
func (s *sealedUpload) DeclareLength(ctx context.Context, length int64) error {
	return handler.ErrNotImplemented
}

type sealedUpload struct {
	u    *Uploads
	core handler.Upload
	vid  string
}

// GetInfo is the core's, with the offset counted in sealed frames.
func (s *sealedUpload) GetInfo(ctx context.Context) (handler.FileInfo, error) {
	info, err := s.core.GetInfo(ctx)
	if err != nil {
		return info, err
	}
	ix, err := s.u.readIndex(ctx, s.vid)
	if err != nil {
		return info, err
	}
	info.Offset, info.Size = ix.size(), ix.Size
	return info, nil
}

// WriteChunk seals src frame by frame onto the end of the stored upload.
func (s *sealedUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	ix, err := s.u.readIndex(ctx, s.vid)
	if err != nil {
		return 0, err
	}
	if offset != ix.size() {
		return 0, handler.ErrMismatchOffset
	}
	info, err := s.core.GetInfo(ctx)
	if err != nil {
		return 0, err
	}
	if s.u.Lengths != nil {
		// The core is told where its bytes will end if this PATCH brings
		// the rest of the upload (told again by the next PATCH if not).
		if err := s.u.Lengths.AsLengthDeclarableUpload(s.core).DeclareLength(ctx, info.Offset+sealedSize(ix.Size-offset)); err != nil {
			return 0, err
		}
	}
	k, err := s.u.Key(ctx, s.vid)
	if err != nil {
		return 0, err
	}
	uk, err := k.Open(uploadField(s.vid), ix.Key)
	if err != nil {
		return 0, ErrDecrypt
	}
	// The frames go to the core through a pipe, in one write: object
	// stores assemble parts of several MiB from it.
	type frame struct{ end, plain int64 } // end: relative to start, in sealed bytes
	var frames []frame
	var srcErr error
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, FrameSize)
		var sealed, plain int64
		var out bytes.Buffer
		for {
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				fk, kerr := frameKey(uk, offset+plain)
				out.Reset()
				if kerr == nil {
					_, kerr = sio.Encrypt(&out, bytes.NewReader(buf[:n]), config(fk))
				}
				if kerr != nil {
					pw.CloseWithError(kerr)
					return
				}
				if _, werr := pw.Write(out.Bytes()); werr != nil {
					return
				}
				sealed += int64(out.Len())
				plain += int64(n)
				frames = append(frames, frame{end: sealed, plain: int64(n)})
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				pw.Close()
				return
			}
			if err != nil {
				// What arrived is kept (sealed above); the error is the
				// client's, passed on as tus's stores do.
				srcErr = err
				pw.Close()
				return
			}
		}
	}()
	n, err := s.core.WriteChunk(ctx, info.Offset, pr)
	// Stop the sealing side and wait for it before reading its record.
	pr.CloseWithError(io.ErrClosedPipe)
	<-done
	var written, start int64
	for _, f := range frames {
		if f.end > n {
			break
		}
		ix.Frames = append(ix.Frames, [2]int64{info.Offset + start, f.plain})
		written += f.plain
		start = f.end
	}
	if werr := s.u.writeIndex(context.WithoutCancel(ctx), s.vid, ix); werr != nil {
		return 0, werr
	}
	if err == nil {
		err = srcErr
	}
	return written, err
}

func (s *sealedUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	return nil, handler.ErrNotImplemented
}

func (s *sealedUpload) FinishUpload(ctx context.Context) error { return s.core.FinishUpload(ctx) }

func (s *sealedUpload) Terminate(ctx context.Context) error {
	if s.u.Term == nil {
		return handler.ErrNotImplemented
	}
	if err := s.u.Term.AsTerminatableUpload(s.core).Terminate(ctx); err != nil {
		return err
	}
	return s.u.Index.Delete(ctx, s.u.IndexKey(s.vid))
}

// sealedSize is how many sealed bytes n bytes of plaintext become when
// sealed in frames of FrameSize.
func sealedSize(n int64) int64 {
	full, _ := sio.EncryptedSize(FrameSize)
	size := n / FrameSize * int64(full)
	if rest := n % FrameSize; rest > 0 {
		last, _ := sio.EncryptedSize(uint64(rest))
		size += int64(last)
	}
	return size
}

// UploadSize is how many bytes of a video's upload have arrived.
func (u *Uploads) UploadSize(ctx context.Context, videoID string) (int64, error) {
	ix, err := u.readIndex(ctx, videoID)
	if err != nil {
		return 0, err
	}
	return ix.size(), nil
}

// ReadUpload writes the plaintext of a finished upload, whose stored
// (sealed) bytes are r, to dst.
func ReadUpload(ctx context.Context, store blob.Store, indexKey, videoID string, r io.ReaderAt, k Key, dst io.Writer) error {
	b, err := blob.Read(ctx, store, indexKey)
	if err != nil {
		return err
	}
	var ix index
	if err := json.Unmarshal(b, &ix); err != nil {
		return err
	}
	uk, err := k.Open(uploadField(videoID), ix.Key)
	if err != nil {
		return ErrDecrypt
	}
	var plain int64
	for _, f := range ix.Frames {
		fk, err := frameKey(uk, plain)
		if err != nil {
			return err
		}
		size, err := sio.EncryptedSize(uint64(f[1]))
		if err != nil {
			return err
		}
		if _, err := sio.Decrypt(dst, io.NewSectionReader(r, f[0], int64(size)), config(fk)); err != nil {
			return fmt.Errorf("%w: frame at %d: %v", ErrDecrypt, f[0], err)
		}
		plain += f[1]
	}
	return nil
}

// Package sealedmedia keeps media files encrypted at rest under their
// owner's data key: the renditions, posters and previews of non-public
// videos, kept originals, and raw uploads while they arrive (see
// uploads.go). The format is DARE 2.0 (github.com/minio/sio): 64 KiB
// packages, each sealed with AES-256-GCM and numbered, so any byte range
// can be read by opening only the packages it touches. Each file has its
// own random key, wrapped by the owner's data key and bound to the file's
// place (its blob key), and stored in the file's header; destroying the
// data key (erasure) leaves every copy of the file, backups included,
// unreadable. See DECISIONS.md beside this file.
//
// sealedmedia imports only the standard library, sio and tusd: the
// owner's key comes in as the small Key interface (a *keyring.DataKey).
package sealedmedia

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/minio/sio"
)

// Key seals and opens small values of one person under their data key,
// bound to a field name (keyring.DataKey).
type Key interface {
	Seal(field string, plaintext []byte) []byte
	Open(field string, sealed []byte) ([]byte, error)
}

// Magic starts every sealed file. No media file kurz serves starts this
// way (playlists start with #EXTM3U, segments with 0x47, JPEGs with
// 0xFFD8, MP4s with a box size), so a file tells by itself whether it is
// sealed, and a half-done change of visibility serves every file right.
const Magic = "KZSEAL1\n"

// ErrDecrypt means a sealed file could not be opened: a wrong or destroyed
// key, a file moved to another place, or tampering.
var ErrDecrypt = errors.New("sealedmedia: cannot decrypt")

const keySize = 32

func field(scope string) string { return "media:" + scope }

func config(key []byte) sio.Config {
	return sio.Config{MinVersion: sio.Version20, MaxVersion: sio.Version20,
		CipherSuites: []byte{sio.AES_256_GCM}, Key: key}
}

// Seal writes src to dst sealed under k for scope (the blob key the file
// will live at: a sealed file cannot be moved to another place).
func Seal(dst io.Writer, src io.Reader, k Key, scope string) error {
	fk := make([]byte, keySize)
	rand.Read(fk)
	wrapped := k.Seal(field(scope), fk)
	hdr := make([]byte, 0, len(Magic)+2+len(wrapped))
	hdr = append(hdr, Magic...)
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(wrapped)))
	hdr = append(hdr, wrapped...)
	if _, err := dst.Write(hdr); err != nil {
		return err
	}
	_, err := sio.Encrypt(dst, src, config(fk))
	return err
}

// IsSealed reports whether the object r starts like a sealed file.
func IsSealed(r io.ReaderAt) bool {
	b := make([]byte, len(Magic))
	n, _ := r.ReadAt(b, 0)
	return n == len(b) && string(b) == Magic
}

// Open returns the plaintext of the sealed object r (size bytes) for
// reading at any offset; only the packages a read touches are decrypted
// and checked.
func Open(r io.ReaderAt, size int64, k Key, scope string) (*Reader, error) {
	head := make([]byte, len(Magic)+2)
	if _, err := r.ReadAt(head, 0); err != nil || string(head[:len(Magic)]) != Magic {
		return nil, ErrDecrypt
	}
	n := int64(binary.BigEndian.Uint16(head[len(Magic):]))
	wrapped := make([]byte, n)
	if _, err := r.ReadAt(wrapped, int64(len(head))); err != nil {
		return nil, ErrDecrypt
	}
	fk, err := k.Open(field(scope), wrapped)
	if err != nil || len(fk) != keySize {
		return nil, ErrDecrypt
	}
	start := int64(len(head)) + n
	plain, err := sio.DecryptedSize(uint64(size - start))
	if err != nil {
		return nil, ErrDecrypt
	}
	dec, err := sio.DecryptReaderAt(io.NewSectionReader(r, start, size-start), config(fk))
	if err != nil {
		return nil, err
	}
	return &Reader{ra: dec, size: int64(plain), buf: make([]byte, 0, packageSize)}, nil
}

// packageSize is the plaintext of one DARE package.
const packageSize = 64 << 10

// Reader reads the plaintext of a sealed file. Reads go a whole package
// at a time, kept for the reads that follow, so a copy in small buffers
// decrypts each package once.
type Reader struct {
	ra     io.ReaderAt
	size   int64
	off    int64
	buf    []byte
	bufOff int64
}

// Size is the plaintext's length.
func (r *Reader) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	if rest := r.size - off; int64(len(p)) > rest {
		n, err := r.ra.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return r.ra.ReadAt(p, off)
}

func (r *Reader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.off < r.bufOff || r.off >= r.bufOff+int64(len(r.buf)) {
		if r.off%packageSize == 0 && len(p) >= packageSize {
			// Whole packages straight into p.
			n, err := r.ReadAt(p[:len(p)/packageSize*packageSize], r.off)
			r.off += int64(n)
			if err == io.EOF && n > 0 {
				err = nil
			}
			return n, err
		}
		start := r.off / packageSize * packageSize
		n, err := r.ReadAt(r.buf[:min(packageSize, r.size-start)], start)
		if err != nil && err != io.EOF {
			return 0, err
		}
		r.buf, r.bufOff = r.buf[:n], start
	}
	n := copy(p, r.buf[r.off-r.bufOff:])
	r.off += int64(n)
	return n, nil
}

// Seek sets where Read goes on.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("sealedmedia: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("sealedmedia: negative position")
	}
	r.off = offset
	return offset, nil
}

// ReaderAt gives random access to a stored object: its own ReadAt if it
// has one (a file), reads after seeks otherwise (an object store's
// object, which fetches the range it is asked for).
func ReaderAt(rs io.ReadSeeker) io.ReaderAt {
	if ra, ok := rs.(io.ReaderAt); ok {
		return ra
	}
	return &seekReaderAt{rs: rs}
}

type seekReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.rs, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF // io.ReaderAt's word for a short read at the end
	}
	return n, err
}

// SealDir seals every file of the local folder dir in place, each bound
// to prefix + "/" + its path in dir (where Publish will put it).
func SealDir(dir, prefix string, k Key) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return SealFile(p, prefix+"/"+filepath.ToSlash(rel), k)
	})
}

// SealFile seals the local file at p in place (a sealed copy renamed over
// it), bound to scope.
func SealFile(p, scope string, k Key) error {
	in, err := os.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	if IsSealed(in) {
		return nil
	}
	tmp := p + ".sealing"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := Seal(out, in, k, scope); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, p)
}

// Plain returns the plaintext of a stored object that may be sealed: the
// object itself if it is plain, its decrypting reader if sealed (key is
// asked for only then).
func Plain(obj io.ReadSeeker, size int64, scope string, key func() (Key, error)) (io.ReadSeeker, int64, error) {
	ra := ReaderAt(obj)
	if !IsSealed(ra) {
		if _, err := obj.Seek(0, io.SeekStart); err != nil {
			return nil, 0, err
		}
		return obj, size, nil
	}
	k, err := key()
	if err != nil {
		return nil, 0, err
	}
	sr, err := Open(ra, size, k, scope)
	if err != nil {
		return nil, 0, err
	}
	return sr, sr.Size(), nil
}

// Reseal returns the bytes an object should hold: sealed (want) or plain
// (!want), and whether anything changes. Media files are small (segments
// of a few seconds, a poster, a short preview), so this works in memory.
func Reseal(obj io.ReadSeeker, size int64, scope string, want bool, k Key) ([]byte, bool, error) {
	ra := ReaderAt(obj)
	sealed := IsSealed(ra)
	if sealed == want {
		return nil, false, nil
	}
	if want {
		if _, err := obj.Seek(0, io.SeekStart); err != nil {
			return nil, false, err
		}
		var buf bytes.Buffer
		if err := Seal(&buf, obj, k, scope); err != nil {
			return nil, false, err
		}
		return buf.Bytes(), true, nil
	}
	sr, err := Open(ra, size, k, scope)
	if err != nil {
		return nil, false, err
	}
	b, err := io.ReadAll(sr)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return b, true, nil
}

// UnsealDir turns every sealed file of the local folder dir (a copy of
// the objects under prefix/, as blob.Fetch makes) back into plaintext in
// place, for tools that need files.
func UnsealDir(dir, prefix string, k Key) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return unsealFile(p, prefix+"/"+filepath.ToSlash(rel), k)
	})
}

func unsealFile(p, scope string, k Key) error {
	in, err := os.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil || !IsSealed(in) {
		return err
	}
	sr, err := Open(in, fi.Size(), k, scope)
	if err != nil {
		return err
	}
	tmp := p + ".unsealing"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, sr); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, p)
}

// Package blob is the seam between kurz and the place a region's files
// live: media renditions, posters and previews, kept originals, sealed
// exports and edge copies. Keys are slash-separated paths made from IDs
// (never from names a person chose). Dir keeps them in a folder; an
// object store implements the same interface.
//
// blob imports only the standard library.
package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Store holds objects under keys.
type Store interface {
	// Put stores r under key, replacing what was there; readers see the
	// old object or the whole new one, never a part.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns an object for reading with byte ranges (fs.ErrNotExist
	// if there is none).
	Open(ctx context.Context, key string) (Object, error)
	// Stat describes an object (fs.ErrNotExist if there is none).
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes an object; a missing one is no error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key is under prefix/.
	DeletePrefix(ctx context.Context, prefix string) error
	// List lists the objects under prefix/, in key order.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Stage returns an empty local folder to build a set of objects in
	// (a transcode's output) and a function that removes it.
	Stage(ctx context.Context) (dir string, cleanup func(), err error)
	// Publish makes the files of a staged folder the objects under
	// prefix/, replacing what was there, so that readers never see half a
	// set; the folder is consumed.
	Publish(ctx context.Context, dir, prefix string) error
}

// Object is an open object: readable, seekable for ranges, with its size
// and time in Stat.
type Object interface {
	io.ReadSeekCloser
	Stat() (fs.FileInfo, error)
}

// Info describes an object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// ErrBadKey is returned for a key that is empty, absolute, or climbs out
// of the store with "..".
var ErrBadKey = errors.New("blob: bad key")

// CheckKey validates a key: clean, relative, slash-separated.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) ||
		path.Clean(key) != key || key == "." || key == ".." || strings.HasPrefix(key, "../") {
		return ErrBadKey
	}
	return nil
}

// Read returns a whole (small) object.
func Read(ctx context.Context, s Store, key string) ([]byte, error) {
	o, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return io.ReadAll(o)
}

// Fetch copies the objects under prefix/ into the local folder dir,
// keeping their relative paths (for tools that need files, like ffmpeg
// remuxing a rendition into an export).
func Fetch(ctx context.Context, s Store, prefix, dir string) error {
	list, err := s.List(ctx, prefix)
	if err != nil {
		return err
	}
	for _, info := range list {
		rel := strings.TrimPrefix(info.Key, prefix+"/")
		if err := CheckKey(rel); err != nil {
			return err
		}
		if err := FetchFile(ctx, s, info.Key, filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			return err
		}
	}
	return nil
}

// FetchFile copies one object to the local file dst.
func FetchFile(ctx context.Context, s Store, key, dst string) error {
	o, err := s.Open(ctx, key)
	if err != nil {
		return err
	}
	defer o.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, o); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Joiner is a Store that can add the files of a staged folder (from its
// Stage) to the objects under a prefix without copying them.
type Joiner interface {
	// Join does what PutDir does, consuming the folder.
	Join(ctx context.Context, dir, prefix string) error
}

// JoinDir is PutDir for a staged folder it may consume: a Joiner moves
// the files in (Dir: a rename each), any other store Puts them.
func JoinDir(ctx context.Context, s Store, dir, prefix string) error {
	if err := CheckKey(prefix); err != nil {
		return err
	}
	if j, ok := s.(Joiner); ok {
		return j.Join(ctx, dir, prefix)
	}
	return PutDir(ctx, s, dir, prefix)
}

// PutDir stores every file of the local folder dir under prefix/, keeping
// their relative paths, one Put each, files named master* last: what
// joins a published set (more variants, then the master playlist naming
// them) is complete before anything names it. Nothing is removed.
func PutDir(ctx context.Context, s Store, dir, prefix string) error {
	files, err := putOrder(dir)
	if err != nil {
		return err
	}
	for _, rel := range files {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		err = s.Put(ctx, prefix+"/"+filepath.ToSlash(rel), f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// putOrder lists the files of dir (relative paths), master* last.
func putOrder(dir string) ([]string, error) {
	var files, last []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if strings.HasPrefix(d.Name(), "master") {
			last = append(last, rel)
		} else {
			files = append(files, rel)
		}
		return err
	})
	return append(files, last...), err
}

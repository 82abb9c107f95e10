package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Dir is a Store in a local folder. Objects are files under Root; staged
// folders live under Root/.stage so that publishing is a rename on one
// file system. Files are created 0600 and folders 0700.
type Dir struct {
	Root string
}

var _ Store = (*Dir)(nil)

func (d *Dir) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Path is the file a key names (for a caller that keeps files open and
// checks by path that they are still the store's: every write renames a
// new file into place).
func (d *Dir) Path(key string) (string, error) { return d.path(key) }

// Put writes to a temporary file beside the object and renames it.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Open returns the file itself, so serving it can use sendfile.
func (d *Dir) Open(ctx context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return f, nil
}

// Stat describes a file.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	p, err := d.path(key)
	if err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return Info{}, err
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fs.ErrNotExist
	}
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes a file.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// DeletePrefix removes a folder; prefix "" empties the store.
func (d *Dir) DeletePrefix(ctx context.Context, prefix string) error {
	if prefix == "" {
		entries, err := os.ReadDir(d.Root)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		var errs []error
		for _, e := range entries {
			errs = append(errs, os.RemoveAll(filepath.Join(d.Root, e.Name())))
		}
		return errors.Join(errs...)
	}
	p, err := d.path(prefix)
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

// List walks the folder under prefix.
func (d *Dir) List(ctx context.Context, prefix string) ([]Info, error) {
	root := d.Root
	if prefix != "" {
		p, err := d.path(prefix)
		if err != nil {
			return nil, err
		}
		root = p
	}
	var out []Info
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() {
			if strings.HasPrefix(e.Name(), ".") && p != root {
				return filepath.SkipDir // staging and temporary folders
			}
			return nil
		}
		if strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		rel, _ := filepath.Rel(d.Root, p)
		out = append(out, Info{Key: filepath.ToSlash(rel), Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, err
}

// Stage makes a folder under Root/.stage.
func (d *Dir) Stage(ctx context.Context) (string, func(), error) {
	base := filepath.Join(d.Root, ".stage")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp(base, "s-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// Join moves the files of a staged folder under prefix/ (see Joiner),
// master* last: each is synced, as Put syncs its copy (all at once, so
// the file system commits them together), then renamed into place.
func (d *Dir) Join(ctx context.Context, dir, prefix string) error {
	if _, err := d.path(prefix); err != nil {
		return err
	}
	files, err := putOrder(dir)
	if err != nil {
		return err
	}
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, rel := range files {
		wg.Go(func() { errs[i] = syncFile(filepath.Join(dir, rel)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, rel := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := d.path(prefix + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		src := filepath.Join(dir, rel)
		if err := os.Chmod(src, 0o600); err != nil {
			return err
		}
		if err := os.Rename(src, p); errors.Is(err, syscall.EXDEV) {
			// Not a folder of Stage: copied instead.
			if err := d.putFile(ctx, prefix+"/"+filepath.ToSlash(rel), src); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (d *Dir) putFile(ctx context.Context, key, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return d.Put(ctx, key, f)
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// ClearStaging removes staged folders left by a process that died; call
// it at start, before anything is staged.
func (d *Dir) ClearStaging() error { return os.RemoveAll(filepath.Join(d.Root, ".stage")) }

// Publish renames the staged folder into place: the old folder is moved
// aside first and removed after, so a reader sees the old set or the new
// one.
func (d *Dir) Publish(ctx context.Context, dir, prefix string) error {
	p, err := d.path(prefix)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(p); err == nil {
		old = filepath.Join(filepath.Dir(dir), "old-"+filepath.Base(dir))
		if err := os.Rename(p, old); err != nil {
			return err
		}
	}
	if err := os.Rename(dir, p); err != nil {
		if old != "" {
			os.Rename(old, p)
		}
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

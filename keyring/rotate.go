package keyring

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A key file holds the KEK in base64 on its first line. After a rotation
// a second line "index <base64>" carries the blind-index key on, which
// only the region's first KEK derives.
//
// Rotation (Rotate) writes the next KEK to <file>.next, re-wraps every data
// key under it, then overwrites the old file with zeros and renames the
// next one over it. Each step can be interrupted and the rotation run
// again: a key already wrapped under the next KEK is skipped, and a zeroed
// old file beside a next file means every key was re-wrapped already.
const nextSuffix = ".next"

var errDestroyed = errors.New("keyring: key file was destroyed by a rotation")

// readKeyFile reads a key file: the KEK and, if the file carries it, the
// blind-index key (nil otherwise).
func readKeyFile(path string) (kek, index []byte, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, nil, fmt.Errorf("keyring: key file %s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	kek, index, err = parseKeyFile(b)
	if err != nil && !errors.Is(err, errDestroyed) {
		err = fmt.Errorf("%s: %w", path, err)
	}
	return kek, index, err
}

// parseKeyFile reads a key file's contents.
func parseKeyFile(b []byte) (kek, index []byte, err error) {
	if len(bytes.Trim(b, "\x00")) == 0 {
		return nil, nil, errDestroyed
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if kek, err = ParseKey(lines[0]); err != nil {
		return nil, nil, err
	}
	for _, l := range lines[1:] {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "index "); ok {
			if index, err = ParseKey(v); err != nil {
				return nil, nil, fmt.Errorf("index key: %w", err)
			}
		}
	}
	if index == nil {
		if index, err = indexKey(kek); err != nil {
			return nil, nil, err
		}
	}
	return kek, index, nil
}

// writeKeyFile creates a key file (mode 0600, never over an existing one)
// and syncs it and its folder.
func writeKeyFile(path string, kek, index []byte) error {
	text := base64.StdEncoding.EncodeToString(kek) + "\nindex " + base64.StdEncoding.EncodeToString(index) + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: create key file: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// load (re)reads the key file and, if a rotation is under way, the next
// one. The next KEK wraps new keys; both open.
func (k *Keyring) load() error {
	cur, curIndex, curErr := readKeyFile(k.path)
	next, nextIndex, nextErr := readKeyFile(k.path + nextSuffix)
	if nextErr != nil && !errors.Is(nextErr, os.ErrNotExist) {
		return nextErr
	}
	var keks []cipher.AEAD
	index := curIndex
	if nextErr == nil {
		a, err := newAEAD(next)
		if err != nil {
			return err
		}
		keks = append(keks, a)
		if curErr != nil {
			index = nextIndex
		}
	}
	switch {
	case curErr == nil:
		a, err := newAEAD(cur)
		if err != nil {
			return err
		}
		keks = append(keks, a)
	case nextErr != nil || !errors.Is(curErr, errDestroyed):
		return curErr
	}
	k.mu.Lock()
	k.keks, k.index, k.hasNext = keks, index, nextErr == nil
	k.mu.Unlock()
	return nil
}

// WrappedKeys is the key store as a rotation reads and rewrites it.
type WrappedKeys interface {
	// PersonKeys lists wrapped data keys in user ID order after after.
	PersonKeys(ctx context.Context, after string, limit int) (ids []string, wrapped [][]byte, err error)
	// SwapPersonKey replaces userID's wrapped key if it is still old
	// (false if it changed or is gone: an erasure won the race).
	SwapPersonKey(ctx context.Context, userID string, old, new []byte) (bool, error)
}

// RotateOptions paces a rotation.
type RotateOptions struct {
	// Batch is how many keys are read at a time (default 500).
	Batch int
	// Pause is waited between batches, to spare a serving database.
	Pause time.Duration
	// Grace is waited before the last pass: a server that began wrapping
	// a new key under the old KEK just before the next one appeared has
	// stored it by then, and the pass re-wraps it (default 2 s).
	Grace time.Duration
	// Progress, if set, is told after every batch.
	Progress func(RotateResult)
}

// RotateResult counts what a rotation did.
type RotateResult struct {
	// Rewrapped keys were wrapped under the old KEK and now the new one.
	Rewrapped int `json:"rewrapped"`
	// Already were wrapped under the new KEK (a resumed rotation).
	Already int `json:"already_new"`
	// Unopenable keys opened under neither KEK; they were left as they
	// were (they open nothing either way).
	Unopenable int `json:"unopenable"`
	// Resumed says an interrupted rotation was carried on.
	Resumed bool `json:"resumed"`
}

// Rotate replaces the KEK in the key file at path with a fresh one: every
// wrapped data key in st is re-wrapped under the new KEK, then the old
// KEK file is overwritten and replaced. The blind-index key is kept. It is
// safe while the region serves (its keyring follows the files) and after
// an interruption it carries on where it stopped.
func Rotate(ctx context.Context, path string, st WrappedKeys, opt RotateOptions) (RotateResult, error) {
	var res RotateResult
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if opt.Grace == 0 {
		opt.Grace = 2 * time.Second
	}
	cur, index, curErr := readKeyFile(path)
	if curErr != nil && !errors.Is(curErr, errDestroyed) {
		return res, curErr
	}
	next, _, err := readKeyFile(path + nextSuffix)
	switch {
	case err == nil:
		res.Resumed = true
	case errors.Is(err, os.ErrNotExist) && curErr == nil:
		next = make([]byte, KeySize)
		rand.Read(next)
		if err := writeKeyFile(path+nextSuffix, next, index); err != nil {
			return res, err
		}
	case errors.Is(err, os.ErrNotExist):
		return res, curErr
	default:
		return res, err
	}
	newKEK, err := newAEAD(next)
	if err != nil {
		return res, err
	}
	var oldKEK cipher.AEAD
	if curErr == nil {
		if oldKEK, err = newAEAD(cur); err != nil {
			return res, err
		}
	}
	// Passes until one finds nothing left under the old KEK; the last one
	// after the grace period.
	for pass := 0; ; pass++ {
		if pass > 0 {
			select {
			case <-time.After(opt.Grace):
			case <-ctx.Done():
				return res, ctx.Err()
			}
		}
		n, err := rotatePass(ctx, st, oldKEK, newKEK, opt, &res, pass == 0)
		if err != nil {
			return res, err
		}
		if n == 0 && pass > 0 {
			break
		}
	}
	// Destroy the old KEK: overwrite its file in place, then put the next
	// file in its place.
	if curErr == nil {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return res, err
		}
		fi, err := f.Stat()
		if err == nil {
			_, err = f.WriteAt(make([]byte, fi.Size()), 0)
		}
		if err == nil {
			err = f.Sync()
		}
		if e := f.Close(); err == nil {
			err = e
		}
		if err != nil {
			return res, fmt.Errorf("keyring: destroy the old KEK: %w", err)
		}
	}
	if err := os.Rename(path+nextSuffix, path); err != nil {
		return res, err
	}
	return res, syncDir(filepath.Dir(path))
}

// rotatePass re-wraps every key still under the old KEK and returns how
// many it re-wrapped. Only the first pass counts keys already new.
func rotatePass(ctx context.Context, st WrappedKeys, oldKEK, newKEK cipher.AEAD, opt RotateOptions, res *RotateResult, first bool) (int, error) {
	n := 0
	after := ""
	for {
		ids, wrapped, err := st.PersonKeys(ctx, after, opt.Batch)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, nil
		}
		for i, id := range ids {
			aad := dekAAD(id)
			if _, err := open(newKEK, wrapped[i], aad); err == nil {
				if first {
					res.Already++
				}
				continue
			}
			var raw []byte
			if oldKEK != nil {
				raw, err = open(oldKEK, wrapped[i], aad)
			}
			if oldKEK == nil || err != nil {
				if first {
					res.Unopenable++
				}
				continue
			}
			ok, err := st.SwapPersonKey(ctx, id, wrapped[i], seal(newKEK, raw, aad))
			if err != nil {
				return n, err
			}
			if ok {
				n++
				res.Rewrapped++
			}
		}
		after = ids[len(ids)-1]
		if opt.Progress != nil {
			opt.Progress(*res)
		}
		if opt.Pause > 0 {
			select {
			case <-time.After(opt.Pause):
			case <-ctx.Done():
				return n, ctx.Err()
			}
		}
	}
}

// CreateSuccessor writes a new key file at path with a fresh KEK that
// carries on the blind-index key of the key file old (its contents): the
// key file of a region imported from another operator.
func CreateSuccessor(path string, old []byte, random io.Reader) error {
	_, index, err := parseKeyFile(old)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	kek := make([]byte, KeySize)
	if _, err := io.ReadFull(random, kek); err != nil {
		return err
	}
	return writeKeyFile(path, kek, index)
}

// RewrapFrom re-wraps every data key in st that opens under the key file
// old (its contents) under to's KEK.
func RewrapFrom(ctx context.Context, old []byte, to *Keyring, st WrappedKeys) (RotateResult, error) {
	var res RotateResult
	kek, _, err := parseKeyFile(old)
	if err != nil {
		return res, err
	}
	oldKEK, err := newAEAD(kek)
	if err != nil {
		return res, err
	}
	to.mu.RLock()
	newKEK := to.keks[0]
	to.mu.RUnlock()
	_, err = rotatePass(ctx, st, oldKEK, newKEK, RotateOptions{Batch: 500}, &res, true)
	return res, err
}

package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"kurz/postgres"
)

// LockFile is the file in each region folder that a serving process holds
// an exclusive lock on (flock), so that a second process on the same
// folder refuses to start instead of migrating, running jobs under the same
// node ID and wiping the first one's edge cache. The lock goes with the
// process: a killed process leaves the file behind but not the lock.
const LockFile = "kurz.lock"

// ErrInUse is returned when another process holds a region's lock.
var ErrInUse = errors.New("in use by another kurz process")

// dirLock is a held lock on a region folder.
type dirLock struct{ f *os.File }

// lockDir takes the exclusive lock of a region folder, creating the folder
// if needed, and writes this process's ID into the lock file for the
// message the next contender shows.
func lockDir(dir string) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 32))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid := string(bytes.TrimSpace(holder)); pid != "" {
				return nil, fmt.Errorf("the data folder %s is %w (pid %s); stop that process first, or give this one a --data folder of its own", dir, ErrInUse, pid)
			}
			return nil, fmt.Errorf("the data folder %s is %w; stop that process first, or give this one a --data folder of its own", dir, ErrInUse)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// Close releases the lock. The file stays (removing it would let a
// waiting process lock a file that a third one then re-creates). The lock
// is released explicitly before the file is closed: a program this
// process is starting (ffmpeg) holds a copy of every descriptor between
// its fork and its exec, and the lock would live on in that copy, so a
// restart right after (in the same process, or by a supervisor) would
// find the folder "in use" by this very process.
func (l *dirLock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err = errors.Join(err, l.f.Close())
	l.f = nil
	return err
}

// lockRegions takes every hosted region's folder lock, and for a region on
// PostgreSQL also a lock on its node ID in the database: several nodes may
// share a region's database (that is how a region scales out), but never
// under one node ID, which is what the job queue and the pipeline's crash
// recovery go by. On error the locks taken so far are released.
func lockRegions(ctx context.Context, cfg *Config, nodeID string) (locks []io.Closer, err error) {
	defer func() {
		if err != nil {
			for _, l := range locks {
				l.Close()
			}
			locks = nil
		}
	}()
	for _, r := range cfg.Regions {
		l, err := lockDir(filepath.Join(cfg.DataDir, string(r)))
		if err != nil {
			return locks, fmt.Errorf("region %s: %w", r, err)
		}
		locks = append(locks, l)
		if dsn := cfg.DB[r]; dsn != "" {
			l, err := postgres.LockNode(ctx, dsn, "kurz node "+string(r)+"/"+nodeID)
			if errors.Is(err, postgres.ErrLocked) {
				return locks, fmt.Errorf("region %s: another kurz process with node ID %q serves this region's database; give each node its own --node-id", r, nodeID)
			} else if err != nil {
				return locks, fmt.Errorf("region %s: %w", r, err)
			}
			locks = append(locks, l)
		}
	}
	return locks, nil
}

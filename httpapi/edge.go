package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"kurz"
)

// Edge is a pull-through cache of other regions' public media: the first
// request for a segment fetches it from the owner's origin, later ones are
// served from disk. Only media of videos in the public catalogue is ever
// fetched, so raw uploads and non-public videos never land here. The cache
// is bounded; the least recently used files go first.
type Edge struct {
	Dir      string
	MaxBytes int64
	Client   *http.Client

	mu    sync.Mutex
	files map[string]*edgeFile // key: videoID/file
	size  int64
	fetch map[string]*sync.Mutex
}

type edgeFile struct {
	size int64
	used time.Time
}

func (e *Edge) path(videoID, file string) string {
	return filepath.Join(e.Dir, videoID, filepath.FromSlash(file))
}

// Get returns the cached file's path, fetching it from origin first if
// needed.
func (e *Edge) Get(ctx context.Context, origin, videoID, file string) (string, error) {
	key := videoID + "/" + file
	e.mu.Lock()
	if e.files == nil {
		e.files, e.fetch = map[string]*edgeFile{}, map[string]*sync.Mutex{}
	}
	if f, ok := e.files[key]; ok {
		f.used = time.Now()
		e.mu.Unlock()
		return e.path(videoID, file), nil
	}
	lock, ok := e.fetch[key]
	if !ok {
		lock = &sync.Mutex{}
		e.fetch[key] = lock
	}
	e.mu.Unlock()

	// One fetch per file at a time; others wait for it.
	lock.Lock()
	defer lock.Unlock()
	e.mu.Lock()
	if _, ok := e.files[key]; ok {
		e.mu.Unlock()
		return e.path(videoID, file), nil
	}
	e.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, "GET", origin+"/media/"+videoID+"/"+file, nil)
	if err != nil {
		return "", err
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		return "", &kurz.Error{Code: kurz.EUnavailable, Message: "the video's region cannot be reached", Cause: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", kurz.ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return "", kurz.Errorf(kurz.EUnavailable, "origin answered %d", resp.StatusCode)
	}
	dst := e.path(videoID, file)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, 64<<20))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("edge cache: %w", err)
	}
	e.mu.Lock()
	e.files[key] = &edgeFile{size: n, used: time.Now()}
	e.size += n
	e.evict()
	e.mu.Unlock()
	return dst, nil
}

// evict removes least recently used files until the cache fits.
func (e *Edge) evict() {
	if e.size <= e.MaxBytes {
		return
	}
	keys := make([]string, 0, len(e.files))
	for k := range e.files {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return e.files[keys[i]].used.Before(e.files[keys[j]].used) })
	for _, k := range keys {
		if e.size <= e.MaxBytes*9/10 {
			break
		}
		os.Remove(filepath.Join(e.Dir, filepath.FromSlash(k)))
		e.size -= e.files[k].size
		delete(e.files, k)
	}
}

// Purge drops every cached file of a video (taken down or unpublished).
func (e *Edge) Purge(videoID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, f := range e.files {
		if len(k) > len(videoID) && k[:len(videoID)+1] == videoID+"/" {
			e.size -= f.size
			delete(e.files, k)
		}
	}
	os.RemoveAll(filepath.Join(e.Dir, videoID))
}

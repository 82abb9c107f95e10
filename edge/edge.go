// Package edge is a region door's pull-through cache of other regions'
// public media. It holds public data only and imports only the root
// package and blob.
package edge

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"kurz"
	"kurz/blob"
)

// Cache is a pull-through cache of other regions' public media: the first
// request for a segment fetches it from the owner's origin, later ones are
// served from disk. Only media of videos in the public catalogue is ever
// fetched, so raw uploads and non-public videos never land here. The cache
// is bounded; the least recently used files go first.
type Cache struct {
	// Store holds the copies (per process, under videoID/file).
	Store    blob.Store
	MaxBytes int64
	Client   *http.Client

	// Hits and Misses count requests served from the cache and fetched
	// from the origin (metrics).
	Hits, Misses atomic.Int64

	mu    sync.Mutex
	files map[string]*edgeFile // key: videoID/file
	size  int64
	fetch map[string]*sync.Mutex
	// purges counts Purge calls; purgedAt records the count at each
	// video's last purge, so a fetch that was in flight during a purge
	// drops what it wrote.
	purges   uint64
	purgedAt map[string]uint64
}

type edgeFile struct {
	size int64
	used time.Time
}

// Get returns the cached file's key in Store, fetching it from origin
// first if needed.
func (e *Cache) Get(ctx context.Context, origin, videoID, file string) (string, error) {
	key := videoID + "/" + file
	e.mu.Lock()
	if e.files == nil {
		e.files, e.fetch = map[string]*edgeFile{}, map[string]*sync.Mutex{}
	}
	if f, ok := e.files[key]; ok {
		f.used = time.Now()
		e.mu.Unlock()
		e.Hits.Add(1)
		return key, nil
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
		return key, nil
	}
	started := e.purges
	e.mu.Unlock()

	e.Misses.Add(1)
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
	cr := &countingReader{r: io.LimitReader(resp.Body, 64<<20)}
	if err := e.Store.Put(ctx, key, cr); err != nil {
		return "", fmt.Errorf("edge cache: %w", err)
	}
	n := cr.n
	e.mu.Lock()
	if e.purgedAt[videoID] > started {
		// Taken down while it was being fetched: keep nothing.
		e.mu.Unlock()
		e.Store.Delete(ctx, key)
		return "", kurz.ErrNotFound
	}
	e.files[key] = &edgeFile{size: n, used: time.Now()}
	e.size += n
	e.evict()
	e.mu.Unlock()
	return key, nil
}

// evict removes least recently used files until the cache fits.
func (e *Cache) evict() {
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
		e.Store.Delete(context.Background(), k)
		e.size -= e.files[k].size
		delete(e.files, k)
	}
}

// Purge drops every cached file of a video (taken down or unpublished).
func (e *Cache) Purge(videoID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.purgedAt == nil {
		e.purgedAt = map[string]uint64{}
	}
	e.purges++
	e.purgedAt[videoID] = e.purges
	for k, f := range e.files {
		if len(k) > len(videoID) && k[:len(videoID)+1] == videoID+"/" {
			e.size -= f.size
			delete(e.files, k)
		}
	}
	e.Store.DeletePrefix(context.Background(), videoID)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

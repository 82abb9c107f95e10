// Package edge is a region door's pull-through cache of other regions'
// public media. It holds public data only and imports only the root
// package and blob.
package edge

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kurz"
	"kurz/blob"
)

// Cache is a pull-through cache of other regions' public media: the first
// request for a file fetches it from the owner's origin, later ones are
// served from the store. Only media of videos in the public catalogue is
// ever asked for, so raw uploads and non-public videos never land here.
//
// What reaches the origin is bounded: a variant playlist is fetched only
// if the video's master playlist lists it, and a segment only if its
// variant playlist does, so made-up names are answered here; a file the
// origin does not have is remembered as missing for MissTTL; and at most
// MaxInFlight fetches run at once, each file fetched once however many ask
// for it. The cache is bounded in bytes; the least recently used files go
// first.
type Cache struct {
	// Store holds the copies (per process, under videoID/file).
	Store    blob.Store
	MaxBytes int64
	Client   *http.Client
	// MaxInFlight bounds the fetches running at once (default 64); past
	// it, Get answers EUnavailable. MaxMisses bounds the remembered
	// misses (default 10,000), kept for MissTTL (default a minute).
	MaxInFlight int
	MaxMisses   int
	MissTTL     time.Duration

	// Hits and Misses count requests served from the cache and fetched
	// from the origin (metrics).
	Hits, Misses atomic.Int64

	mu       sync.Mutex
	files    map[string]*edgeFile // key: videoID/file
	size     int64
	inflight map[string]*fetch
	missing  map[string]time.Time // key → until
	// lists holds the URIs each cached playlist names, by playlist key.
	lists map[string]map[string]bool
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

// fetch is one fetch from the origin that others may wait for.
type fetch struct {
	done chan struct{}
	err  error
}

func (e *Cache) init() {
	if e.files == nil {
		e.files, e.inflight, e.missing = map[string]*edgeFile{}, map[string]*fetch{}, map[string]time.Time{}
		e.lists, e.purgedAt = map[string]map[string]bool{}, map[string]uint64{}
	}
}

// Get returns the cached file's key in Store, fetching it from origin
// first if needed. A file the video's playlists do not name, or that the
// origin lately did not have, is ErrNotFound without asking the origin.
func (e *Cache) Get(ctx context.Context, origin, videoID, file string) (string, error) {
	if parent := listedIn(file); parent != "" {
		if _, err := e.Get(ctx, origin, videoID, parent); err != nil {
			return "", err
		}
		dir, _ := path.Split(parent)
		e.mu.Lock()
		listed := e.lists[videoID+"/"+parent][strings.TrimPrefix(file, dir)]
		e.mu.Unlock()
		if !listed {
			return "", kurz.ErrNotFound
		}
	}
	return e.get(ctx, origin, "/media/", videoID, file)
}

// Avatar returns the cached copy of a public profile's picture (file is
// "<version>.jpg"), fetching it from origin's /avatars/ first if needed.
// It is purged with Purge(userID).
func (e *Cache) Avatar(ctx context.Context, origin, userID, file string) (string, error) {
	return e.get(ctx, origin, "/avatars/", userID, file)
}

// listedIn returns the playlist that must name file: the master playlist
// for a variant playlist, the variant playlist for a segment.
func listedIn(file string) string {
	dir, name := path.Split(file)
	switch {
	case dir == "":
		return "" // master.m3u8, poster.jpg, preview.mp4
	case name == "index.m3u8":
		return "master.m3u8"
	default:
		return dir + "index.m3u8"
	}
}

func (e *Cache) get(ctx context.Context, origin, base, videoID, file string) (string, error) {
	key := videoID + "/" + file
	for {
		e.mu.Lock()
		e.init()
		if f, ok := e.files[key]; ok {
			f.used = time.Now()
			e.mu.Unlock()
			e.Hits.Add(1)
			return key, nil
		}
		if until, ok := e.missing[key]; ok {
			if time.Now().Before(until) {
				e.mu.Unlock()
				return "", kurz.ErrNotFound
			}
			delete(e.missing, key)
		}
		if f, ok := e.inflight[key]; ok {
			// Someone is fetching it: wait, then look again.
			e.mu.Unlock()
			select {
			case <-f.done:
				if f.err != nil {
					return "", f.err
				}
				continue
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		if len(e.inflight) >= e.maxInFlight() {
			e.mu.Unlock()
			return "", &kurz.Error{Code: kurz.EUnavailable, Message: "too many videos are being fetched from their regions; please try again", RetryAfter: 1}
		}
		f := &fetch{done: make(chan struct{})}
		e.inflight[key] = f
		started := e.purges
		e.mu.Unlock()

		// The fetch outlives the request that started it: others may be
		// waiting for it (the client's own timeout still bounds it).
		f.err = e.fetch(context.WithoutCancel(ctx), origin+base, videoID, file, key, started)
		e.mu.Lock()
		delete(e.inflight, key)
		if len(e.inflight) == 0 {
			// No fetch started before a purge is left to check it.
			clear(e.purgedAt)
		}
		e.mu.Unlock()
		close(f.done)
		if f.err != nil {
			return "", f.err
		}
		return key, nil
	}
}

func (e *Cache) maxInFlight() int {
	if e.MaxInFlight > 0 {
		return e.MaxInFlight
	}
	return 64
}

// fetch copies one file from under base (the origin and a path) into the
// store and indexes it.
func (e *Cache) fetch(ctx context.Context, base, videoID, file, key string, started uint64) error {
	e.Misses.Add(1)
	req, err := http.NewRequestWithContext(ctx, "GET", base+videoID+"/"+file, nil)
	if err != nil {
		return err
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		return &kurz.Error{Code: kurz.EUnavailable, Message: "the video's region cannot be reached", Cause: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		e.remember(key)
		return kurz.ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return kurz.Errorf(kurz.EUnavailable, "origin answered %d", resp.StatusCode)
	}
	var list map[string]bool
	var body io.Reader = io.LimitReader(resp.Body, 64<<20)
	if strings.HasSuffix(file, ".m3u8") {
		data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err != nil {
			return &kurz.Error{Code: kurz.EUnavailable, Message: "the video's region cannot be reached", Cause: err}
		}
		list, body = uris(data), bytes.NewReader(data)
	}
	cr := &countingReader{r: body}
	if err := e.Store.Put(ctx, key, cr); err != nil {
		return fmt.Errorf("edge cache: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.purgedAt[videoID] > started {
		// Taken down while it was being fetched: keep nothing.
		e.Store.Delete(ctx, key)
		return kurz.ErrNotFound
	}
	e.files[key] = &edgeFile{size: cr.n, used: time.Now()}
	if list != nil {
		e.lists[key] = list
	}
	e.size += cr.n
	e.evict()
	return nil
}

// uris lists the URIs of a playlist, without any query.
func uris(playlist []byte) map[string]bool {
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(playlist))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line, _, _ = strings.Cut(line, "?")
		out[line] = true
	}
	return out
}

// remember records a file the origin does not have, within MaxMisses.
func (e *Cache) remember(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	max, ttl := e.MaxMisses, e.MissTTL
	if max <= 0 {
		max = 10000
	}
	if ttl <= 0 {
		ttl = time.Minute
	}
	now := time.Now()
	if len(e.missing) >= max {
		for k, until := range e.missing {
			if now.After(until) {
				delete(e.missing, k)
			}
		}
	}
	if len(e.missing) >= max {
		// Still full: forget an arbitrary half rather than grow.
		n := 0
		for k := range e.missing {
			if n++; n > max/2 {
				break
			}
			delete(e.missing, k)
		}
	}
	e.missing[key] = now.Add(ttl)
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
		delete(e.lists, k)
	}
}

// Purge drops every cached file of a video (taken down or unpublished),
// and what the cache remembers about it.
func (e *Cache) Purge(videoID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.init()
	e.purges++
	e.purgedAt[videoID] = e.purges
	prefix := videoID + "/"
	for k, f := range e.files {
		if strings.HasPrefix(k, prefix) {
			e.size -= f.size
			delete(e.files, k)
			delete(e.lists, k)
		}
	}
	for k := range e.missing {
		if strings.HasPrefix(k, prefix) {
			delete(e.missing, k)
		}
	}
	e.Store.DeletePrefix(context.Background(), videoID)
}

// InFlight reports how many fetches are running (for tests and metrics).
func (e *Cache) InFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.inflight)
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

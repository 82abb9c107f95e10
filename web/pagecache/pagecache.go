// Package pagecache keeps rendered pages for package web: whole, or as a
// template cut at stand-ins (random strings rendered in place of the
// viewer's own bits) that each request fills in. It knows nothing of
// templates, viewers or videos.
package pagecache

import (
	"crypto/rand"
	"strconv"
	"strings"
	"sync"
)

// Cache is a bounded map of pages by key; past Max entries (at least
// one) it starts over.
type Cache struct {
	Max int

	mu sync.Mutex
	m  map[string]*Page
}

// Page is a kept page: Parts with a slot between each two (Slots[i], an
// index into the stand-ins it was cut at, follows Parts[i]).
type Page struct {
	Parts [][]byte
	Slots []int
}

// Get returns the page kept under key ("" is never kept).
func (c *Cache) Get(key string) (*Page, bool) {
	if key == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	return p, ok
}

// Put keeps p under key.
func (c *Cache) Put(key string, p *Page) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= max(c.Max, 1) {
		c.m = map[string]*Page{}
	}
	c.m[key] = p
}

// StandIns returns n random strings of lowercase letters and digits
// (valid in a handle, unchanged by every escaper), one per slot.
func StandIns(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "kz" + strings.ToLower(rand.Text())
	}
	return out
}

// Split cuts page at every occurrence of the stand-ins; ok false if one
// of need (slot indexes) does not occur (then the page is not kept).
func Split(page []byte, standIns []string, need ...int) (p *Page, ok bool) {
	p = &Page{}
	s := string(page)
	seen := make([]bool, len(standIns))
	for {
		at, slot := -1, 0
		for i, si := range standIns {
			if j := strings.Index(s, si); j >= 0 && (at < 0 || j < at) {
				at, slot = j, i
			}
		}
		if at < 0 {
			break
		}
		p.Parts = append(p.Parts, []byte(s[:at]))
		p.Slots = append(p.Slots, slot)
		seen[slot] = true
		s = s[at+len(standIns[slot]):]
	}
	p.Parts = append(p.Parts, []byte(s))
	for _, n := range need {
		if !seen[n] {
			return p, false
		}
	}
	return p, true
}

// Fill appends the page to dst, each slot's value appended by fill.
func (p *Page) Fill(dst []byte, fill func(dst []byte, slot int) []byte) []byte {
	for i, part := range p.Parts {
		dst = append(dst, part...)
		if i < len(p.Slots) {
			dst = fill(dst, p.Slots[i])
		}
	}
	return dst
}

// Plain says h is 1-64 of [a-z0-9_.]: written into HTML text, an
// attribute, a URL or a JSON string as is.
func Plain(h string) bool {
	if h == "" || len(h) > 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Key builds a cache key by hand: each string with its length before it,
// so no two lists of values share a key.
type Key []byte

// Str adds strings.
func (k Key) Str(ss ...string) Key {
	for _, s := range ss {
		k = strconv.AppendInt(k, int64(len(s)), 10)
		k = append(k, ':')
		k = append(k, s...)
	}
	return k
}

// Num adds numbers.
func (k Key) Num(ns ...int64) Key {
	for _, n := range ns {
		k = strconv.AppendInt(k, n, 10)
		k = append(k, ';')
	}
	return k
}

// Index finds kept pages again by a small key (what a request names: who
// asks, language, address), each with what it was made of (R), which the
// caller compares with what the page would be made of now; past Max
// entries (at least one) it starts over. Nothing has to be rendered or
// keyed by content to find a page this way.
type Index[K comparable, R any] struct {
	Max int

	mu sync.Mutex
	m  map[K]indexed[R]
}

type indexed[R any] struct {
	of R
	p  *Page
}

// Put keeps p, made of of, under k.
func (x *Index[K, R]) Put(k K, of R, p *Page) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m == nil || len(x.m) >= max(x.Max, 1) {
		x.m = map[K]indexed[R]{}
	}
	x.m[k] = indexed[R]{of, p}
}

// Get returns the page kept under k if same says it was made of what the
// page would be made of now.
func (x *Index[K, R]) Get(k K, same func(R) bool) (*Page, bool) {
	x.mu.Lock()
	e, ok := x.m[k]
	x.mu.Unlock()
	if !ok || !same(e.of) {
		return nil, false
	}
	return e.p, true
}

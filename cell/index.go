package cell

import (
	"math"
	"slices"
	"sort"
	"sync"
	"time"
)

// PublicVideo is what the public log carries about a published video, and
// what every region's catalogue holds. Data class: public.
type PublicVideo struct {
	ID         string    `json:"id"`
	OwnerID    string    `json:"owner_id"`
	Handle     string    `json:"handle"`
	Caption    string    `json:"caption"`
	Hashtags   []string  `json:"hashtags"`
	DurationMS int64     `json:"duration_ms"`
	Width      int       `json:"width"`
	Height     int       `json:"height"`
	Likes      int64     `json:"likes"`
	Comments   int64     `json:"comments"`
	Views      int64     `json:"views"`
	CreatedAt  time.Time `json:"created_at"`
	// Minor marks videos of 13-15 year olds, kept out of adults' For You.
	Minor bool `json:"minor,omitempty"`
	// Moderation: Reduced videos stay out of For You; AgeRestricted ones
	// are not shown to minors or anonymous viewers; Label is shown with it.
	Reduced       bool   `json:"reduced,omitempty"`
	AgeRestricted bool   `json:"age_restricted,omitempty"`
	Label         string `json:"label,omitempty"`
}

// PublicProfile is the replicated public face of a person.
type PublicProfile struct {
	ID          string `json:"id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	Bio         string `json:"bio"`
	Private     bool   `json:"private"`
	Followers   int64  `json:"followers"`
	Following   int64  `json:"following"`
}

// Index is a region's in-memory catalogue of public videos and profiles of
// every region (its own and the replicas), so feeds never scan a database.
// The For You candidates are the top of a periodically recomputed ranking.
type Index struct {
	mu       sync.RWMutex
	videos   map[string]*PublicVideo
	byOwner  map[string][]*PublicVideo // newest first
	byTag    map[string][]*PublicVideo // newest first
	profiles map[string]*PublicProfile
	byHandle map[string]*PublicProfile
	hot      []*PublicVideo
	dirty    bool
}

// HotSize is how many top-ranked videos For You ranks per request.
const HotSize = 1000

func NewIndex() *Index {
	return &Index{videos: map[string]*PublicVideo{}, byOwner: map[string][]*PublicVideo{}, byTag: map[string][]*PublicVideo{},
		profiles: map[string]*PublicProfile{}, byHandle: map[string]*PublicProfile{}}
}

// PutVideo adds or replaces a video.
func (x *Index) PutVideo(v *PublicVideo) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeVideo(v.ID)
	x.videos[v.ID] = v
	x.byOwner[v.OwnerID] = insertNewest(x.byOwner[v.OwnerID], v)
	for _, t := range v.Hashtags {
		x.byTag[t] = insertNewest(x.byTag[t], v)
	}
	x.dirty = true
}

// RemoveVideo drops a video (unpublished, removed or deleted).
func (x *Index) RemoveVideo(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeVideo(id)
	x.dirty = true
}

func (x *Index) removeVideo(id string) {
	old, ok := x.videos[id]
	if !ok {
		return
	}
	delete(x.videos, id)
	drop := func(list []*PublicVideo) []*PublicVideo {
		return slices.DeleteFunc(list, func(v *PublicVideo) bool { return v.ID == id })
	}
	x.byOwner[old.OwnerID] = drop(x.byOwner[old.OwnerID])
	for _, t := range old.Hashtags {
		x.byTag[t] = drop(x.byTag[t])
	}
	x.hot = slices.DeleteFunc(slices.Clone(x.hot), func(v *PublicVideo) bool { return v.ID == id })
}

func insertNewest(list []*PublicVideo, v *PublicVideo) []*PublicVideo {
	i := sort.Search(len(list), func(i int) bool { return newer(v, list[i]) })
	return slices.Insert(list, i, v)
}

func newer(a, b *PublicVideo) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// PutProfile adds or replaces a profile.
func (x *Index) PutProfile(p *PublicProfile) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.profiles[p.ID]; ok && old.Handle != p.Handle {
		delete(x.byHandle, old.Handle)
	}
	x.profiles[p.ID] = p
	x.byHandle[p.Handle] = p
}

// RemoveProfile drops a profile and its videos.
func (x *Index) RemoveProfile(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if p, ok := x.profiles[id]; ok {
		delete(x.byHandle, p.Handle)
		delete(x.profiles, id)
	}
	for _, v := range slices.Clone(x.byOwner[id]) {
		x.removeVideo(v.ID)
	}
	x.dirty = true
}

func (x *Index) Video(id string) (*PublicVideo, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	v, ok := x.videos[id]
	return v, ok
}

func (x *Index) ProfileByHandle(h string) (*PublicProfile, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.byHandle[h]
	return p, ok
}

func (x *Index) Profile(id string) (*PublicProfile, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.profiles[id]
	return p, ok
}

// Newest returns up to n videos of a list key (owner or tag) after the
// cursor position (exclusive), newest first.
func (x *Index) newest(list []*PublicVideo, after *PublicVideo, n int) []*PublicVideo {
	i := 0
	if after != nil {
		i = sort.Search(len(list), func(i int) bool { return newer(after, list[i]) })
	}
	end := min(len(list), i+n)
	return slices.Clone(list[i:end])
}

// OwnerVideos lists a person's public videos, newest first.
func (x *Index) OwnerVideos(ownerID string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.newest(x.byOwner[ownerID], after, n)
}

// TagVideos lists a hashtag's videos, newest first.
func (x *Index) TagVideos(tag string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.newest(x.byTag[tag], after, n)
}

// LikesOf sums the likes of a person's public videos.
func (x *Index) LikesOf(ownerID string) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var n int64
	for _, v := range x.byOwner[ownerID] {
		n += v.Likes
	}
	return n
}

// Quality is a video's engagement per view with time decay: likes and
// comments per view, smoothed for new videos, halving every two days.
func Quality(v *PublicVideo, now time.Time) float64 {
	engagement := (float64(v.Likes) + 2*float64(v.Comments) + 1) / (float64(v.Views) + 10)
	age := now.Sub(v.CreatedAt).Hours()
	return engagement * math.Pow(0.5, age/48) * (1 + math.Log1p(float64(v.Views))/10)
}

// Hot returns the current For You candidates, recomputing the ranking if
// the catalogue changed since the last call and at least every interval.
func (x *Index) Hot(now time.Time) []*PublicVideo {
	x.mu.RLock()
	hot, dirty := x.hot, x.dirty
	x.mu.RUnlock()
	if !dirty && hot != nil {
		return hot
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.dirty || x.hot == nil {
		all := make([]*PublicVideo, 0, len(x.videos))
		for _, v := range x.videos {
			all = append(all, v)
		}
		score := make(map[string]float64, len(all))
		for _, v := range all {
			score[v.ID] = Quality(v, now)
		}
		sort.Slice(all, func(i, j int) bool { return score[all[i].ID] > score[all[j].ID] })
		x.hot = all[:min(len(all), HotSize)]
		x.dirty = false
	}
	return x.hot
}

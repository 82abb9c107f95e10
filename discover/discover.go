// Package discover answers search and the Discover page from a region's
// catalogue and its search index: what a viewer may find, in which
// order, a page at a time, and what is trending in a region and
// worldwide. Everything it reads is public (the catalogue of every
// region); the searcher's query is used for the answer and then dropped:
// it is never logged, stored or sent to another region.
//
// It imports the root package, the catalogue and the search index only.
package discover

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/policy"
	"kurz/search"
)

// Service answers for one region.
type Service struct {
	Region  kurz.Region
	Index   *catalog.Index
	Search  *search.Index
	PerPage int // results per page (default 20)
}

// listed is the rule of the discovery lists (Discover, a sound's page):
// the policy's tag column (public videos without reduced reach), with the
// viewer's own videos shown as the public sees them; a sound's page and
// the sounds trending are about the sound, one's own clip among them.
func listed(viewer policy.Viewer, v *catalog.PublicVideo) bool {
	if viewer.ID != "" && viewer.ID == v.OwnerID {
		viewer = policy.Viewer{Countries: viewer.Countries}
	}
	return policy.Shows(viewer, v, policy.Tag)
}

func (s *Service) perPage() int {
	if s.PerPage > 0 {
		return s.PerPage
	}
	return 20
}

// offset reads a search cursor: the offset of the next page.
func offset(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(cursor)
	if err != nil || n < 0 || n > search.MaxOffset {
		return 0, kurz.Errorf(kurz.EInvalid, "bad cursor")
	}
	return n, nil
}

func cursorOf(next int) string {
	if next == 0 {
		return ""
	}
	return strconv.Itoa(next)
}

// Videos finds videos by words of their caption, hashtags and creator,
// those the policy lets viewer see in search.
func (s *Service) Videos(ctx context.Context, viewer policy.Viewer, q, cursor string) ([]*catalog.PublicVideo, string, error) {
	from, err := offset(cursor)
	if err != nil {
		return nil, "", err
	}
	var out []*catalog.PublicVideo
	h, err := s.Search.Search(ctx, search.Videos, q, from, s.perPage(), func(id string) bool {
		v, ok := s.Index.Video(id)
		if ok && policy.Shows(viewer, v, policy.Search) {
			out = append(out, v)
			return true
		}
		return false
	})
	if err != nil {
		return nil, "", err
	}
	return out, cursorOf(h.Next), nil
}

// Person is a public profile found by search, with the likes of its
// public videos.
type Person struct {
	*catalog.PublicProfile
	Likes int64 `json:"likes"`
}

// People finds public profiles by handle and display name.
func (s *Service) People(ctx context.Context, q, cursor string) ([]Person, string, error) {
	from, err := offset(cursor)
	if err != nil {
		return nil, "", err
	}
	out := []Person{}
	h, err := s.Search.Search(ctx, search.People, q, from, s.perPage(), func(id string) bool {
		p, ok := s.Index.Profile(id)
		if ok {
			out = append(out, Person{p, s.Index.LikesOf(p.ID)})
		}
		return ok
	})
	if err != nil {
		return nil, "", err
	}
	return out, cursorOf(h.Next), nil
}

// Tag is a hashtag and how many public videos carry it.
type Tag struct {
	Tag    string `json:"tag"`
	Videos int    `json:"videos"`
}

// Tags finds hashtags.
func (s *Service) Tags(ctx context.Context, q, cursor string) ([]Tag, string, error) {
	from, err := offset(cursor)
	if err != nil {
		return nil, "", err
	}
	out := []Tag{}
	h, err := s.Search.Search(ctx, search.Tags, q, from, s.perPage(), func(tag string) bool {
		n := s.Index.TagCount(tag)
		if n > 0 {
			out = append(out, Tag{tag, n})
		}
		return n > 0
	})
	if err != nil {
		return nil, "", err
	}
	return out, cursorOf(h.Next), nil
}

// Trend is a trending hashtag with a few of its clips.
type Trend struct {
	Tag    string
	Videos []*catalog.PublicVideo
}

// How Discover is made: the hashtags of the For You candidates (the
// catalogue's best-ranked videos), each weighted by its videos' quality.
const (
	TrendTags   = 10 // hashtags per list
	TrendVideos = 4  // clips per hashtag
)

// Trending lists the hashtags trending worldwide and among videos of a
// region (the viewer's: their home region, or the one they are visiting
// anonymously), best first, with a few clips each that the viewer may
// see. Reduced videos count for nothing here: Discover recommends.
func (s *Service) Trending(now time.Time, viewer policy.Viewer, region kurz.Region) (worldwide, regional []Trend) {
	hot, _ := s.Index.Hot(now)
	tags := func(v *catalog.PublicVideo) []string { return v.Hashtags }
	return trends(hot, viewer, "", tags, 1), trends(hot, viewer, region, tags, 1)
}

// TrendingSounds lists the sounds that two or more of the best-ranked
// videos use, worldwide and in a region, like Trending (Tag is the
// sound's ID).
func (s *Service) TrendingSounds(now time.Time, viewer policy.Viewer, region kurz.Region) (worldwide, regional []Trend) {
	hot, _ := s.Index.Hot(now)
	sound := func(v *catalog.PublicVideo) []string { return []string{catalog.SoundOf(v)} }
	return trends(hot, viewer, "", sound, 2), trends(hot, viewer, region, sound, 2)
}

// trends ranks the keys (hashtags, sounds) of the viewer's findable hot
// videos by their videos' summed quality; a key needs minVideos videos.
func trends(hot []catalog.Scored, viewer policy.Viewer, region kurz.Region, keys func(*catalog.PublicVideo) []string, minVideos int) []Trend {
	weight := map[string]float64{}
	count := map[string]int{}
	clips := map[string][]*catalog.PublicVideo{}
	for _, sv := range hot {
		v := sv.V
		if !listed(viewer, v) {
			continue
		}
		if region != "" {
			if r, err := kurz.ParseID(v.ID); err != nil || r != region {
				continue
			}
		}
		for _, t := range keys(v) {
			weight[t] += sv.Q
			count[t]++
			if len(clips[t]) < TrendVideos {
				clips[t] = append(clips[t], v)
			}
		}
	}
	tags := make([]string, 0, len(weight))
	for t := range weight {
		if count[t] >= minVideos {
			tags = append(tags, t)
		}
	}
	sort.Slice(tags, func(i, j int) bool {
		if weight[tags[i]] != weight[tags[j]] {
			return weight[tags[i]] > weight[tags[j]]
		}
		return tags[i] < tags[j]
	})
	out := make([]Trend, 0, TrendTags)
	for _, t := range tags[:min(len(tags), TrendTags)] {
		out = append(out, Trend{Tag: t, Videos: clips[t]})
	}
	return out
}

// Sound is a sound, named after the clip it comes from.
type Sound struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Named: the creator named the sound; else Name is the default,
	// "original sound – @handle" (pages say it in the reader's language).
	Named   bool   `json:"named"`
	Creator string `json:"creator,omitempty"`
	// Blocked: a moderator blocked the sound; no one may use it, and its
	// page lists no videos.
	Blocked bool `json:"blocked,omitempty"`
}

// SoundOf describes a sound; ok is false for a sound no public video
// uses or comes from.
func (s *Service) SoundOf(id string) (Sound, bool) {
	if v, ok := s.Index.Video(id); ok {
		snd := Sound{ID: id, Name: "original sound – @" + v.Handle, Creator: v.Handle, Blocked: v.SoundBlocked}
		if v.SoundName != "" {
			snd.Name, snd.Named = v.SoundName, true
		}
		return snd, true
	}
	return Sound{ID: id, Name: "original sound"}, len(s.Index.SoundVideos(id, nil, 1)) > 0
}

// SoundVideos lists a page of the videos using a sound that viewer may
// see on a discovery list, newest first; the cursor is "<ms>_<id>" of the
// last video of the previous page (a page may come out short).
func (s *Service) SoundVideos(viewer policy.Viewer, sound, cursor string) ([]*catalog.PublicVideo, string, error) {
	var after *catalog.PublicVideo
	if cursor != "" {
		ms, id, ok := strings.Cut(cursor, "_")
		t, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil || t < 0 {
			return nil, "", kurz.Errorf(kurz.EInvalid, "bad cursor")
		}
		after = &catalog.PublicVideo{ID: id, CreatedAt: time.UnixMilli(t)}
	}
	n := s.perPage()
	vids := s.Index.SoundVideos(sound, after, n)
	next := ""
	if len(vids) == n {
		last := vids[n-1]
		next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "_" + last.ID
	}
	shown := vids[:0]
	for _, v := range vids {
		if listed(viewer, v) {
			shown = append(shown, v)
		}
	}
	return shown, next, nil
}

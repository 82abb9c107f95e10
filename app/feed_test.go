package app_test

import (
	"slices"
	"strings"
	"testing"
)

// feedResult is a page of GET /api/v1/feed as the tests read it.
type feedResult struct {
	Kind  string
	Items []struct {
		ID   string
		Seen bool
		Why  struct{ Code, Detail string }
	}
	NextCursor     string `json:"next_cursor"`
	CaughtUp       bool   `json:"caught_up"`
	CatalogueEmpty bool   `json:"catalogue_empty"`
}

func (f feedResult) ids() []string {
	var out []string
	for _, it := range f.Items {
		out = append(out, it.ID)
	}
	return out
}

// feedAll reads every page of a feed.
func (s *server) feedAll(kind string, hdr ...string) (pages []feedResult) {
	s.t.Helper()
	cursor := ""
	for range 50 {
		var f feedResult
		r := s.do("GET", "/api/v1/feed?kind="+kind+"&cursor="+cursor, nil, hdr...)
		if r.Status != 200 {
			s.t.Fatalf("feed %s: %d %s", kind, r.Status, r.Body)
		}
		r.json(s.t, &f)
		pages = append(pages, f)
		if f.NextCursor == "" {
			return pages
		}
		cursor = f.NextCursor
	}
	s.t.Fatalf("feed %s does not end", kind)
	return nil
}

func allIDs(pages []feedResult) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p.ids()...)
	}
	return out
}

// TestFeedNeverDry: a signed-in person who has watched every video still
// gets a non-empty For You, the videos marked as seen, and is told they
// are caught up; the non-profiling feeds (Popular, Newest) give two people
// with different histories (likes, follows, views) the same order; and a
// person who turns personalisation off gets Popular for For You.
func TestFeedNeverDry(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("maker", "maker@example.org", "1990-01-01", "DE")
	s.login(&creator)
	other := s.signUp("othermaker", "othermaker@example.com", "1990-01-01", "US")
	s.login(&other)
	var vids []string
	vids = append(vids, s.publish(creator, "first #cats"))
	vids = append(vids, s.publish(other, "second #dogs"))
	vids = append(vids, s.publish(creator, "third #cats"))
	waitFor(t, "every video in eu's catalogue", func() bool { return s.Cell("eu").Index.Len() == len(vids) })

	alice := s.signUp("alice", "alice@example.org", "1990-01-01", "DE")
	s.login(&alice)
	bob := s.signUp("bob", "bob@example.org", "1991-01-01", "FR")
	s.login(&bob)
	asAlice := []string{"Authorization", "Bearer " + alice.Token}
	asBob := []string{"Authorization", "Bearer " + bob.Token}

	// A new person's For You has every video, none seen, with a reason.
	fy := allIDs(s.feedAll("foryou", asAlice...))
	if len(fy) != len(vids) {
		t.Fatalf("alice's first For You: %v, want all of %v", fy, vids)
	}

	// Alice watches everything, likes one and follows a creator: her For
	// You still has every video, marked seen, and says she is caught up.
	for _, id := range vids {
		if r := s.do("POST", "/api/v1/videos/"+id+"/view", nil, asAlice...); r.Status != 204 {
			t.Fatalf("view: %d %s", r.Status, r.Body)
		}
	}
	s.do("PUT", "/api/v1/videos/"+vids[1]+"/like", nil, asAlice...)
	s.do("PUT", "/api/v1/users/othermaker/follow", nil, asAlice...)
	pages := s.feedAll("foryou", asAlice...)
	if got := allIDs(pages); len(got) != len(vids) {
		t.Fatalf("alice has seen everything; For You = %v, want every video again", got)
	}
	if pages[0].Kind != "foryou" || !pages[0].CaughtUp || pages[0].CatalogueEmpty {
		t.Fatalf("alice's For You page: kind %q caught_up %v catalogue_empty %v", pages[0].Kind, pages[0].CaughtUp, pages[0].CatalogueEmpty)
	}
	for _, it := range pages[0].Items {
		if !it.Seen {
			t.Fatalf("video %s not marked seen: %+v", it.ID, pages[0])
		}
		if it.Why.Code == "" {
			t.Fatalf("video %s has no reason", it.ID)
		}
	}
	// Followed creator first among equals: the reason names the creator.
	if w := pages[0].Items[0].Why; w.Code != "followed_creator" || w.Detail != "othermaker" {
		t.Fatalf("top of alice's For You: %+v, want othermaker's video as a followed creator's", pages[0].Items[0])
	}

	// Bob has another history: he watched one video and likes another.
	s.do("POST", "/api/v1/videos/"+vids[0]+"/view", nil, asBob...)
	s.do("PUT", "/api/v1/videos/"+vids[2]+"/like", nil, asBob...)
	s.do("PUT", "/api/v1/users/maker/follow", nil, asBob...)
	// The counts reach the catalogue shortly after; compare once they have.
	waitFor(t, "every like and view in eu's catalogue", func() bool {
		var likes, views int64
		for _, id := range vids {
			if v, ok := s.Cell("eu").Index.Video(id); ok {
				likes, views = likes+v.Likes, views+v.Views
			}
		}
		return likes == 2 && views == 4
	})
	for _, kind := range []string{"popular", "newest"} {
		a, b := allIDs(s.feedAll(kind, asAlice...)), allIDs(s.feedAll(kind, asBob...))
		anon := allIDs(s.feedAll(kind))
		if len(a) != len(vids) || !slices.Equal(a, b) || !slices.Equal(a, anon) {
			t.Fatalf("%s feed differs with history: alice %v, bob %v, anonymous %v", kind, a, b, anon)
		}
	}
	newest := allIDs(s.feedAll("newest"))
	if !slices.Equal(newest, []string{vids[2], vids[1], vids[0]}) {
		t.Fatalf("newest = %v, want %v reversed", newest, vids)
	}
	// Anonymous viewers get Popular by default.
	var anon feedResult
	s.do("GET", "/api/v1/feed", nil).json(t, &anon)
	if anon.Kind != "popular" {
		t.Fatalf("anonymous default feed: %q", anon.Kind)
	}

	// Bob turns personalisation off: his For You is Popular, in Popular's
	// order (the same as alice's Popular), and it stays off.
	var set struct {
		PersonalizedFeed bool `json:"personalized_feed"`
	}
	s.do("GET", "/api/v1/me/settings", nil, asBob...).json(t, &set)
	if !set.PersonalizedFeed {
		t.Fatal("personalisation starts off")
	}
	if r := s.do("PATCH", "/api/v1/me/settings", map[string]bool{"personalized_feed": false}, asBob...); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	pages = s.feedAll("foryou", asBob...)
	if pages[0].Kind != "popular" || !slices.Equal(allIDs(pages), allIDs(s.feedAll("popular", asAlice...))) {
		t.Fatalf("bob opted out; For You = %+v", pages)
	}
	for _, it := range pages[0].Items {
		if it.Seen || it.Why.Code != "popular" {
			t.Fatalf("the non-profiling feed shows a personal signal: %+v", it)
		}
	}
	s.do("GET", "/api/v1/me/settings", nil, asBob...).json(t, &set)
	if set.PersonalizedFeed {
		t.Fatal("the opt-out did not stick")
	}
	// The setting is personal data in bob's home region only.
	if n := s.count("eu", "accounts WHERE feed_opt_out = 1"); n != 1 {
		t.Fatalf("opted-out accounts in eu: %d", n)
	}

	// The feed page offers what fits: no For You tab for bob now, and
	// a remembered choice.
	page := s.do("GET", "/", nil, asBob...)
	if page.Status != 200 || contains(page.Body, `data-kind="foryou"`) || !contains(page.Body, `data-kind="popular" aria-current="page"`) {
		t.Fatalf("bob's feed page:\n%s", page.Body)
	}
	page = s.do("GET", "/?kind=newest", nil, asAlice...)
	cookie := page.Header.Get("Set-Cookie")
	if !contains([]byte(cookie), "feed=newest") {
		t.Fatalf("the feed choice is not remembered: %q", cookie)
	}
	page = s.do("GET", "/", nil, append(asAlice, "Cookie", "feed=newest")...)
	if !contains(page.Body, `data-kind="newest" aria-current="page"`) || !contains(page.Body, `data-kind="foryou"`) {
		t.Fatalf("alice's remembered feed page:\n%s", page.Body)
	}
	// The first page of the feed comes with the HTML, its first poster
	// preloaded: the first clip needs no further API round trip.
	if !contains(page.Body, `"feed":{"kind":"newest"`) || !contains(page.Body, `"id":"`+vids[2]+`"`) ||
		!contains(page.Body, `<link rel="preload" as="image" href="/media/`+vids[2]+`/poster.jpg"`) {
		t.Fatalf("feed page without its first page inline:\n%s", page.Body)
	}
}

func contains(b []byte, sub string) bool { return strings.Contains(string(b), sub) }

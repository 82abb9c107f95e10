package app_test

import (
	"encoding/json"
	"kurz"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kurz/app"
	"kurz/cell"
	"kurz/internal/mediatest"
	"kurz/policy"
)

// policyWorld is a server with one video in every state of the policy
// table and one account for every viewer kind.
type policyWorld struct {
	s       *server
	videos  map[string]string  // state → video ID
	owners  map[string]account // state → owner
	viewers map[string]account // viewer kind → account (anon: zero)
}

// newPolicyWorld builds the table's world on s through the real API: sign-
// ups, settings, uploads, follows, moderation decisions, an erasure
// request.
func newPolicyWorld(t *testing.T, s *server) *policyWorld {
	teenBirth := time.Now().AddDate(-14, 0, 0).Format(time.DateOnly)
	w := &policyWorld{s: s, videos: map[string]string{}, owners: map[string]account{}, viewers: map[string]account{}}
	sign := func(handle, birth string) account {
		a := s.signUp(handle, handle+"@example.org", birth, policy.TableCountry)
		return a
	}
	creator := sign("pcreator", "1990-01-01")
	privy := sign("pprivy", "1990-01-01")
	teen := sign("pteen", teenBirth)
	suspendee := sign("psuspendee", "1990-01-01")
	terminee := sign("pterminee", "1990-01-01")
	leaver := sign("pleaver", "1990-01-01")
	adult := sign("padult", "1990-01-01")
	minor := sign("pminor", teenBirth)
	follower := sign("pfollower", "1990-01-01")
	mutual := sign("pmutual", "1990-01-01")
	staff := sign("pstaff", "1985-01-01")
	blocked := sign("pblocked", "1990-01-01")
	muter := sign("pmuter", "1990-01-01")
	// Only the creator's account is new enough for its first upload to be
	// held for review (the others signed up a month ago, and confirmed
	// their email then).
	if _, err := rawSQL(s.Cell("eu")).Exec(`UPDATE accounts SET created_at = created_at - 2592000000, email_verified_at = created_at - 2592000000 WHERE user_id <> $1`, creator.ID); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*account{&creator, &privy, &teen, &suspendee, &terminee, &leaver, &adult, &minor, &follower, &mutual, &staff, &blocked, &muter} {
		s.login(a)
	}
	if err := s.grantStaff("eu", staff, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	w.viewers = map[string]account{"anon": {}, "adult": adult, "minor": minor, "follower": follower, "mutual": mutual, "staff": staff,
		"blocked": blocked, "muter": muter}
	if r := s.do("PATCH", "/api/v1/me/settings", map[string]bool{"private_account": true}, bearer(privy)...); r.Status != 200 {
		t.Fatalf("private account: %d %s", r.Status, r.Body)
	}

	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatest.Clip(t, clip, 64, 114, 1, false)
	upload := func(owner account, state, visibility string) string {
		res := s.tusUpload(owner.Token, clip, map[string]string{"caption": "policy #pt" + strings.ReplaceAll(state, "_", ""),
			"visibility": visibility}, 1, "")
		if !res.Done {
			t.Fatalf("upload %s: %+v", state, res)
		}
		s.waitVideo(owner.Token, res.VideoID)
		if state != "" {
			w.videos[state], w.owners[state] = res.VideoID, owner
		}
		return res.VideoID
	}
	upload(creator, "held", "public")
	for _, st := range []string{"public", "age_restricted", "reduced", "labelled", "country", "removed"} {
		upload(creator, st, "public")
	}
	upload(creator, "followers", "followers")
	upload(creator, "private", "private")
	upload(privy, "private_account", "public")
	upload(teen, "minor_owner", "public")
	upload(suspendee, "suspended", "public")
	upload(terminee, "terminated", "public")
	terminatedOver := upload(terminee, "", "public")
	upload(leaver, "erasing", "public")

	// Follows: follower, mutual and muter follow every owner; every owner
	// follows mutual back. Every owner blocks blocked (half of them after
	// blocked blocked them: either way is one block); muter mutes every
	// owner.
	for i, st := range policy.States {
		o := w.owners[st]
		for _, f := range []account{follower, mutual, muter} {
			if r := s.do("PUT", "/api/v1/users/"+o.Handle+"/follow", nil, bearer(f)...); r.Status != 200 {
				t.Fatalf("%s follows %s: %d %s", f.Handle, o.Handle, r.Status, r.Body)
			}
			w.approve(o, f)
		}
		s.do("PUT", "/api/v1/users/"+mutual.Handle+"/follow", nil, bearer(o)...)
		if r := s.do("PUT", "/api/v1/users/"+o.Handle+"/mute", nil, bearer(muter)...); r.Status != 200 {
			t.Fatalf("muter mutes %s: %d %s", o.Handle, r.Status, r.Body)
		}
		by, whom := o, blocked
		if i%2 == 1 {
			by, whom = blocked, o
		}
		if r := s.do("PUT", "/api/v1/users/"+whom.Handle+"/block", nil, bearer(by)...); r.Status != 200 {
			t.Fatalf("%s blocks %s: %d %s", by.Handle, whom.Handle, r.Status, r.Body)
		}
	}

	decide := func(id string, d map[string]any) {
		d["ground"] = "terms"
		if d["explanation"] == nil {
			d["explanation"] = "policy table"
		}
		s.decideOn(staff, "eu", id, d)
	}
	decide(w.videos["age_restricted"], map[string]any{"action": "age_restrict"})
	decide(w.videos["reduced"], map[string]any{"action": "reduce_reach"})
	decide(w.videos["labelled"], map[string]any{"action": "label", "explanation": policy.TableLabel})
	decide(w.videos["country"], map[string]any{"action": "restrict", "territorial_scope": policy.TableCountry})
	decide(w.videos["removed"], map[string]any{"action": "remove"})
	decide(w.videos["suspended"], map[string]any{"action": "suspend", "end_date": time.Now().AddDate(0, 0, 7).Format(time.DateOnly)})
	decide(terminatedOver, map[string]any{"action": "terminate"})
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": leaver.Password}, bearer(leaver)...); r.Status != 202 {
		t.Fatalf("erasure request: %d %s", r.Status, r.Body)
	}
	return w
}

// approve lets owner approve follower's request, if there is one (private
// accounts and minors).
func (w *policyWorld) approve(owner, follower account) {
	r := w.s.do("POST", "/api/v1/me/followers/"+follower.Handle+"/approve", nil, bearer(owner)...)
	if r.Status != 200 && r.Status != 404 {
		w.s.t.Fatalf("%s approves %s: %d %s", owner.Handle, follower.Handle, r.Status, r.Body)
	}
}

// ids lists the video IDs of an API list or feed (all pages).
func (w *policyWorld) ids(path string, hdr []string) (out []string, status int) {
	cursor := ""
	for range 20 {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := w.s.do("GET", path+sep+"cursor="+url.QueryEscape(cursor), nil, hdr...)
		if r.Status != 200 {
			return out, r.Status
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		r.json(w.s.t, &page)
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return out, 200
}

// answer asks the server what viewer gets of state's video on a surface,
// as the table words it: hide, or a kind of show.
func (w *policyWorld) answer(t *testing.T, state, viewer string, f policy.Surface, feeds map[string][]string) (shown bool, label string) {
	s := w.s
	id := w.videos[state]
	acct := w.viewers[viewer]
	if viewer == "owner" {
		acct = w.owners[state]
	}
	var hdr []string
	if acct.Token != "" {
		hdr = bearer(acct)
	}
	ok := func(status int) bool { return status == 200 || status == 201 }
	switch f {
	case policy.Record:
		r := s.do("GET", "/api/v1/videos/"+id, nil, hdr...)
		var v struct{ Label string }
		if r.Status == 200 {
			r.json(t, &v)
		}
		return ok(r.Status), v.Label
	case policy.Page:
		return ok(s.do("GET", "/v/"+id, nil, hdr...).Status), ""
	case policy.Embed:
		return ok(s.do("GET", "/embed/"+id, nil, hdr...).Status), ""
	case policy.OEmbed:
		return ok(s.do("GET", "/oembed?format=json&url="+url.QueryEscape(s.URL()+"/v/"+id), nil, hdr...).Status), ""
	case policy.Media:
		poster := "/media/" + id + "/poster.jpg"
		if r := s.do("GET", "/api/v1/videos/"+id, nil, hdr...); r.Status == 200 {
			var v struct {
				PosterURL string `json:"poster_url"`
			}
			r.json(t, &v)
			if v.PosterURL != "" {
				poster = v.PosterURL
			}
		}
		return ok(s.do("GET", poster, nil, hdr...).Status), ""
	case policy.ForYou, policy.Following:
		return slices.Contains(feeds[viewer+"/"+string(f)], id), ""
	case policy.Tag:
		ids, _ := w.ids("/api/v1/tags/pt"+strings.ReplaceAll(state, "_", "")+"/videos", hdr)
		// A sound's page is a discovery list too: the video's own sound
		// lists it exactly when its tag does.
		// (One's own video is on its sound's page, as the public sees it.)
		sounds, _ := w.ids("/api/v1/sounds/"+id+"/videos", hdr)
		if viewer != "owner" && slices.Contains(sounds, id) != slices.Contains(ids, id) {
			t.Errorf("%s × %s: its sound's page lists it: %v, its tag's page: %v", viewer, state, slices.Contains(sounds, id), slices.Contains(ids, id))
		}
		return slices.Contains(ids, id), ""
	case policy.Profile:
		ids, _ := w.ids("/api/v1/users/"+w.owners[state].Handle+"/videos", hdr)
		return slices.Contains(ids, id), ""
	case policy.Search:
		ids, _ := w.ids("/api/v1/search?type=videos&q=pt"+strings.ReplaceAll(state, "_", ""), hdr)
		return slices.Contains(ids, id), ""
	case policy.Comments:
		return ok(s.do("GET", "/api/v1/videos/"+id+"/comments", nil, hdr...).Status), ""
	case policy.Comment:
		return ok(s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "policy table"}, hdr...).Status), ""
	case policy.Replica:
		pv, ok := s.Cell("us").Index.Video(id)
		if !ok {
			return false, ""
		}
		if pv.Reduced {
			return true, "norec"
		}
		return true, pv.Label
	}
	t.Fatalf("no way to ask the server about surface %s", f)
	return false, ""
}

// checkTable checks every cell of the policy table against the server.
func (w *policyWorld) checkTable(t *testing.T) {
	cells, err := policy.Cells()
	if err != nil {
		t.Fatal(err)
	}
	s := w.s
	// The catalogues have caught up when eu's own and the us replica show
	// what the table's replica column says (eu follows its own log as us
	// does, each on its own goroutine: either may be first).
	for _, c := range cells {
		if c.Viewer != "anon" {
			continue
		}
		want := c.Answers[policy.Replica] != policy.Hide
		for _, r := range []kurz.Region{"us", "eu"} {
			waitFor(t, "the "+string(r)+" catalogue's record of "+c.State, func() bool {
				_, ok := s.Cell(r).Index.Video(w.videos[c.State])
				return ok == want
			})
		}
	}
	// The search index follows the catalogue: it has caught up when an
	// anonymous search finds what the table's search column shows them.
	for _, c := range cells {
		if c.Viewer == "anon" && c.Answers[policy.Search] != policy.Hide {
			waitFor(t, "search to find "+c.State, func() bool {
				found, _ := w.answer(t, c.State, "anon", policy.Search, nil)
				return found
			})
		}
	}
	feeds := map[string][]string{}
	for _, v := range policy.Viewers {
		if v == "owner" {
			continue
		}
		var hdr []string
		if w.viewers[v].Token != "" {
			hdr = bearer(w.viewers[v])
		}
		feeds[v+"/for_you"], _ = w.ids("/api/v1/feed?kind=foryou", hdr)
		feeds[v+"/following"], _ = w.ids("/api/v1/feed?kind=following", hdr)
	}
	checked := 0
	for _, c := range cells {
		if c.Viewer == "owner" && (c.State == "suspended" || c.State == "terminated") {
			// Their sessions ended and sign-in is refused: the owner is
			// nobody here any more.
			o := w.owners[c.State]
			if r := s.do("GET", "/api/v1/me", nil, bearer(o)...); r.Status != 401 {
				t.Errorf("%s: the owner's session lives on: %d", c.State, r.Status)
			}
			if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": o.Handle, "password": o.Password}); r.Status != 403 {
				t.Errorf("%s: the owner signs in: %d", c.State, r.Status)
			}
			continue
		}
		ownerFeeds := map[string][]string{}
		if c.Viewer == "owner" {
			hdr := bearer(w.owners[c.State])
			ownerFeeds["owner/for_you"], _ = w.ids("/api/v1/feed?kind=foryou", hdr)
			ownerFeeds["owner/following"], _ = w.ids("/api/v1/feed?kind=following", hdr)
		}
		for _, f := range policy.Surfaces {
			fd := feeds
			if c.Viewer == "owner" {
				fd = ownerFeeds
			}
			shown, label := w.answer(t, c.State, c.Viewer, f, fd)
			want := c.Answers[f]
			checked++
			switch {
			case shown != (want != policy.Hide):
				t.Errorf("%s × %s × %s: the server shows=%v, the table says %s", c.Viewer, c.State, f, shown, want)
			case want == policy.Label && (f == policy.Record || f == policy.Replica) && label != policy.TableLabel:
				t.Errorf("%s × %s × %s: label %q, want %q", c.Viewer, c.State, f, label, policy.TableLabel)
			case want == policy.NoRec && f == policy.Replica && label != "norec":
				t.Errorf("%s × %s × %s: the replica may be recommended", c.Viewer, c.State, f)
			}
		}
	}
	t.Logf("%d cells of the policy table checked against the server", checked)
}

// TestPolicyTable: every (viewer × subject state × surface) cell of the
// policy table (policy/POLICY.md), against a running server.
func TestPolicyTable(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.HoldNewUploads, c.Limits.CommentsPerMinute = 1, 1000 })
	w := newPolicyWorld(t, s)
	w.checkTable(t)
	// The record other regions hold says nothing of the owner's age.
	for _, kind := range []string{"video", "profile"} {
		rows, err := s.Cell("us").Store.Replicas(t.Context(), kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range rows {
			var m map[string]any
			json.Unmarshal(b, &m)
			if _, ok := m["minor"]; ok {
				t.Fatalf("a replica says whether its owner is a minor: %s", b)
			}
		}
	}
}

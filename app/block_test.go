package app_test

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/internal/mediatest"
)

// TestBlockAcrossRegions blocks across regions in three real processes: a
// blocker homed in eu, the person they block homed in us, a third person
// in sg. Before the block the blocked person follows the blocker and
// comments on their video; after it, they get 404 for the blocker's
// profile, video list, video and comments at every door (as for a missing
// person), their follow and comment fail, and a mention of the blocker
// fails with a clear error; the follows both ways are gone; the blocker no
// longer sees their comment; us holds only the notice (two IDs). A mute
// keeps a person's comments out of the muter's lists and their videos out
// of the muter's feeds, and nobody else's. Unblocking shows the profile
// again without restoring the follow.
func TestBlockAcrossRegions(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	eu, us, sg := c.at("eu"), c.at("us"), c.at("sg")
	blocker := eu.signUp("bblocker", "bblocker@example.org", "1990-01-01", "DE")
	blocked := us.signUp("bblocked", "bblocked@example.com", "1990-01-01", "US")
	third := sg.signUp("bthird", "bthird@example.sg", "1990-01-01", "SG")
	eu.login(&blocker)
	us.login(&blocked)
	sg.login(&third)
	if blocker.Region != "eu" || blocked.Region != "us" || third.Region != "sg" {
		t.Fatalf("regions: %s %s %s", blocker.Region, blocked.Region, third.Region)
	}
	clip := filepath.Join(t.TempDir(), "b.mp4")
	mediatest.Clip(t, clip, 64, 114, 1, false)
	upload := func(s *server, a account, caption string) string {
		res := s.tusUpload(a.Token, clip, map[string]string{"caption": caption, "visibility": "public"}, 1, "")
		if v := s.waitVideo(a.Token, res.VideoID); v.Status != "ready" {
			t.Fatalf("upload by %s: %+v", a.Handle, v)
		}
		return res.VideoID
	}
	vb := upload(eu, blocker, "blockerclip zebracaption")
	vt := upload(sg, third, "thirdclip")
	for _, door := range []*server{us, sg, eu} {
		waitFor(t, "both videos and the blocker's profile at "+door.base, func() bool {
			return door.do("GET", "/api/v1/videos/"+vb, nil).Status == 200 && door.do("GET", "/api/v1/videos/"+vt, nil).Status == 200 &&
				door.do("GET", "/api/v1/users/bblocked", nil).Status == 200 && door.do("GET", "/api/v1/users/bblocker", nil).Status == 200
		})
	}

	// Before: follows both ways, a comment by the blocked person on the
	// blocker's video, one by the third person.
	xh, bh, th := bearer(blocked), bearer(blocker), bearer(third)
	mustStatus := func(r *response, want int, what string) {
		t.Helper()
		if r.Status != want {
			t.Fatalf("%s: %d %s (want %d)", what, r.Status, r.Body, want)
		}
	}
	mustStatus(us.do("PUT", "/api/v1/users/bblocker/follow", nil, xh...), 200, "follow before the block")
	mustStatus(eu.do("PUT", "/api/v1/users/bblocked/follow", nil, bh...), 200, "follow back before the block")
	mustStatus(us.do("POST", "/api/v1/videos/"+vb+"/comments", map[string]string{"text": "first from us"}, xh...), 201, "comment before the block")
	mustStatus(sg.do("POST", "/api/v1/videos/"+vb+"/comments", map[string]string{"text": "third says hi"}, th...), 201, "third's comment")
	counts := func(s *server, handle string) (followers, following int64) {
		var p struct{ Followers, Following int64 }
		s.do("GET", "/api/v1/users/"+handle, nil).json(t, &p)
		return p.Followers, p.Following
	}
	waitFor(t, "the follows counted", func() bool {
		f1, g1 := counts(eu, "bblocker")
		f2, g2 := counts(eu, "bblocked")
		return f1 == 1 && g1 == 1 && f2 == 1 && g2 == 1
	})

	// The block, at the blocker's door.
	r := eu.do("PUT", "/api/v1/users/bblocked/block", nil, bh...)
	mustStatus(r, 200, "block")
	var rel struct {
		Handle         string
		Blocked, Muted bool
	}
	r.json(t, &rel)
	if !rel.Blocked || rel.Muted || rel.Handle != "bblocked" {
		t.Fatalf("block answer: %+v", rel)
	}
	mustStatus(eu.do("PUT", "/api/v1/users/bblocked/block", nil, bh...), 200, "a second block (idempotent)")
	mustStatus(eu.do("PUT", "/api/v1/users/bblocker/block", nil, bh...), 400, "blocking oneself")
	mustStatus(eu.do("PUT", "/api/v1/users/nobodyhere/block", nil, bh...), 404, "blocking nobody")
	mustStatus(eu.do("PUT", "/api/v1/users/bblocked/block", nil), 401, "blocking signed out")

	// The blocked person, at their own door and at the blocker's (their
	// requests are carried home): the blocker is as if missing.
	for _, door := range []*server{us, eu, sg} {
		for _, path := range []string{"/api/v1/users/bblocker", "/api/v1/users/bblocker/videos", "/api/v1/videos/" + vb,
			"/api/v1/videos/" + vb + "/comments"} {
			r := door.do("GET", path, nil, xh...)
			if r.Status != 404 || r.errorCode(t) != "not_found" {
				t.Fatalf("blocked person GET %s at %s: %d %s", path, door.base, r.Status, r.Body)
			}
			missing := door.do("GET", strings.NewReplacer("bblocker", "nosuchperson", vb, "eu_01JD0000000000000000000000").Replace(path), nil, xh...)
			if missing.Status != 404 || errMessage(t, missing) != errMessage(t, r) {
				t.Fatalf("a missing one answers %d %s, the blocked person %s", missing.Status, missing.Body, r.Body)
			}
		}
		r := door.do("PUT", "/api/v1/users/bblocker/follow", nil, xh...)
		if r.Status != 404 || r.errorCode(t) != "not_found" {
			t.Fatalf("blocked person follows at %s: %d %s", door.base, r.Status, r.Body)
		}
		r = door.do("POST", "/api/v1/videos/"+vb+"/comments", map[string]string{"text": "let me in"}, xh...)
		if r.Status != 404 || r.errorCode(t) != "not_found" {
			t.Fatalf("blocked person comments at %s: %d %s", door.base, r.Status, r.Body)
		}
		r = door.do("POST", "/api/v1/videos/"+vt+"/comments", map[string]string{"text": "look @BBlocker here"}, xh...)
		if r.Status != 400 || !strings.Contains(string(r.Body), "you cannot mention @bblocker") {
			t.Fatalf("blocked person mentions the blocker at %s: %d %s", door.base, r.Status, r.Body)
		}
		if p := door.search(blocked.Token, "videos", "zebracaption"); p.has(vb) {
			t.Fatalf("the blocker's video in the blocked person's search at %s", door.base)
		}
		var people struct{ Items []struct{ Handle string } }
		door.do("GET", "/api/v1/search?type=people&q=bblocker", nil, xh...).json(t, &people)
		for _, p := range people.Items {
			if p.Handle == "bblocker" {
				t.Fatalf("the blocker in the blocked person's people search at %s", door.base)
			}
		}
	}
	// A mention of anyone else, and comments elsewhere, still work; the
	// public still sees the blocker.
	mustStatus(us.do("POST", "/api/v1/videos/"+vt+"/comments", map[string]string{"text": "hi @bthird, mail@bblocker.example"}, xh...), 201, "an ordinary comment")
	mustStatus(us.do("GET", "/api/v1/users/bblocker", nil), 200, "the blocker's profile, anonymously")
	mustStatus(sg.do("GET", "/api/v1/users/bblocker", nil, th...), 200, "the blocker's profile, to a third person")
	var feed feedPage
	us.do("GET", "/api/v1/feed?kind=newest", nil, xh...).json(t, &feed)
	for _, it := range feed.Items {
		if it.ID == vb {
			t.Fatal("the blocker's video in the blocked person's Newest feed")
		}
	}

	// The blocker: no follow back either way, the blocked person's comment
	// gone from their list (not from the third person's), their profile
	// still there to unblock, a follow refused until they unblock.
	waitFor(t, "the follows ended both ways", func() bool {
		f1, g1 := counts(sg, "bblocker")
		f2, g2 := counts(sg, "bblocked")
		return f1 == 0 && g1 == 0 && f2 == 0 && g2 == 0
	})
	texts := func(s *server, hdr []string) string {
		var cs struct{ Items []struct{ Text string } }
		r := s.do("GET", "/api/v1/videos/"+vb+"/comments", nil, hdr...)
		mustStatus(r, 200, "comments")
		r.json(t, &cs)
		var out []string
		for _, c := range cs.Items {
			out = append(out, c.Text)
		}
		return strings.Join(out, "|")
	}
	if got := texts(eu, bh); got != "third says hi" {
		t.Fatalf("the blocker's comment list: %q", got)
	}
	if got := texts(sg, th); !strings.Contains(got, "first from us") {
		t.Fatalf("the third person's comment list lost the blocked person's comment: %q", got)
	}
	var prof struct {
		ViewerBlocked bool `json:"viewer_blocked"`
	}
	r = eu.do("GET", "/api/v1/users/bblocked", nil, bh...)
	mustStatus(r, 200, "the blocked profile, to the blocker")
	r.json(t, &prof)
	if !prof.ViewerBlocked {
		t.Fatalf("the blocker's view of the profile: %s", r.Body)
	}
	r = eu.do("PUT", "/api/v1/users/bblocked/follow", nil, bh...)
	if r.Status != 409 || !strings.Contains(string(r.Body), "unblock them first") {
		t.Fatalf("the blocker follows: %d %s", r.Status, r.Body)
	}
	r = eu.do("PATCH", "/api/v1/videos/"+vb, map[string]string{"caption": "thanks @bblocked"}, bh...)
	if r.Status != 400 || !strings.Contains(string(r.Body), "you cannot mention @bblocked") {
		t.Fatalf("the blocker mentions the blocked person in a caption: %d %s", r.Status, r.Body)
	}
	var list struct {
		Items []struct{ Handle, Kind string }
	}
	eu.do("GET", "/api/v1/me/blocks", nil, bh...).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].Handle != "bblocked" || list.Items[0].Kind != "block" {
		t.Fatalf("the blocker's list: %+v", list)
	}
	us.do("GET", "/api/v1/me/blocks", nil, xh...).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("the blocked person's list shows another's block: %+v", list)
	}
	// us holds the notice: the two IDs and a kind, nothing else of eu's
	// person; eu holds the block.
	notices := blockRows(t, c.dirs["us"], "us")
	if len(notices) != 1 || notices[0] != blocked.ID+" "+blocker.ID+" blocked_by" {
		t.Fatalf("us's blocks table: %v", notices)
	}
	if rows := blockRows(t, c.dirs["eu"], "eu"); len(rows) != 1 || rows[0] != blocker.ID+" "+blocked.ID+" block" {
		t.Fatalf("eu's blocks table: %v", rows)
	}

	// A mute: the third person's comments leave the blocker's list and
	// their videos the blocker's feed; nobody is told, nothing leaves eu.
	newest := func() bool {
		var f feedPage
		eu.do("GET", "/api/v1/feed?kind=newest", nil, bh...).json(t, &f)
		for _, it := range f.Items {
			if it.ID == vt {
				return true
			}
		}
		return false
	}
	if !newest() {
		t.Fatal("the third person's video is not in the blocker's Newest feed before the mute")
	}
	mustStatus(eu.do("PUT", "/api/v1/users/bthird/mute", nil, bh...), 200, "mute")
	if got := texts(eu, bh); got != "" {
		t.Fatalf("the muter's comment list: %q", got)
	}
	if newest() {
		t.Fatal("a muted person's video in the muter's Newest feed")
	}
	mustStatus(sg.do("GET", "/api/v1/videos/"+vb, nil, th...), 200, "the muted person still sees the muter's video")
	if rows := blockRows(t, c.dirs["sg"], "sg"); len(rows) != 0 {
		t.Fatalf("a mute left eu: %v", rows)
	}
	// Both are in the blocker's data export; the blocked person's export
	// holds nothing of another's block.
	exported := func(s *server, hdr []string) []byte {
		dl := s.do("GET", s.waitExport(nil, hdr...), nil, hdr...)
		zr, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body)))
		if err != nil {
			t.Fatalf("export: %v (%d)", err, dl.Status)
		}
		for _, f := range zr.File {
			if f.Name == "data.json" {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				return b
			}
		}
		t.Fatal("no data.json in the export")
		return nil
	}
	var data struct {
		Blocks []struct{ Kind, Handle string } `json:"blocks_and_mutes"`
	}
	if err := json.Unmarshal(exported(eu, bh), &data); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(data.Blocks); got != "[{block bblocked} {mute bthird}]" {
		t.Fatalf("the blocker's export: %s", got)
	}
	if x := exported(us, xh); bytes.Contains(x, []byte(blocker.ID)) || bytes.Contains(x, []byte("blocked_by")) {
		t.Fatal("the blocked person's export names the blocker's block")
	}
	mustStatus(eu.do("DELETE", "/api/v1/users/bthird/mute", nil, bh...), 200, "unmute")
	if got := texts(eu, bh); got != "third says hi" {
		t.Fatalf("after the unmute: %q", got)
	}

	// Unblock: the profile is back, the follow is not, the notice is gone.
	mustStatus(eu.do("DELETE", "/api/v1/users/bblocked/block", nil, bh...), 200, "unblock")
	mustStatus(us.do("GET", "/api/v1/users/bblocker", nil, xh...), 200, "the profile after the unblock")
	mustStatus(us.do("GET", "/api/v1/videos/"+vb, nil, xh...), 200, "the video after the unblock")
	var p struct {
		ViewerFollows bool `json:"viewer_follows"`
	}
	us.do("GET", "/api/v1/users/bblocker", nil, xh...).json(t, &p)
	if p.ViewerFollows {
		t.Fatal("the follow came back with the unblock")
	}
	if rows := blockRows(t, c.dirs["us"], "us"); len(rows) != 0 {
		t.Fatalf("us kept the notice after the unblock: %v", rows)
	}
}

// blockRows reads a region's blocks table from its database file while
// it runs: "person other kind" per row.
func blockRows(t *testing.T, dir, region string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, region, "kurz.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT person_id, other_id, kind FROM blocks ORDER BY person_id, other_id, kind`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, k string
		if err := rows.Scan(&a, &b, &k); err != nil {
			t.Fatal(err)
		}
		out = append(out, a+" "+b+" "+k)
	}
	return out
}

// errMessage is an error answer's message.
func errMessage(t *testing.T, r *response) string {
	t.Helper()
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	r.json(t, &e)
	return e.Error.Message
}

// TestBlocksGoWithErasure (three regions in one process): an erased
// blocker's blocks and mutes go with their account, and the notice their
// region sent to the blocked person's region goes too (an erasure step
// over the link), while another person's block of the same person holds;
// an erased blocked person's notices go with their account.
func TestBlocksGoWithErasure(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	blocker := s.signUp("eblocker", "eblocker@example.org", "1990-01-01", "DE")
	blocked := s.signUp("eblocked", "eblocked@example.com", "1990-01-01", "US")
	other := s.signUp("eother", "eother@example.sg", "1990-01-01", "SG")
	s.login(&blocker)
	s.login(&blocked)
	s.login(&other)
	waitFor(t, "the profiles in eu", func() bool {
		_, a := s.Cell("eu").Index.ProfileByHandle("eblocked")
		_, b := s.Cell("eu").Index.ProfileByHandle("eother")
		_, c := s.Cell("sg").Index.ProfileByHandle("eblocked")
		return a && b && c
	})
	for _, a := range []struct {
		who  account
		path string
	}{{blocker, "/api/v1/users/eblocked/block"}, {blocker, "/api/v1/users/eother/mute"}, {other, "/api/v1/users/eblocked/block"}} {
		if r := s.do("PUT", a.path, nil, bearer(a.who)...); r.Status != 200 {
			t.Fatalf("%s %s: %d %s", a.who.Handle, a.path, r.Status, r.Body)
		}
	}
	rows := func(region, person string) int {
		list, err := s.Cell(kurzRegion(region)).Store.BlocksOf(t.Context(), person)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if rows("eu", blocker.ID) != 2 || rows("us", blocked.ID) != 2 || rows("sg", other.ID) != 1 {
		t.Fatalf("before: eu %d, us %d, sg %d rows", rows("eu", blocker.ID), rows("us", blocked.ID), rows("sg", other.ID))
	}
	erase := func(a account, region string) {
		if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": a.Password}, bearer(a)...); r.Status != 202 {
			t.Fatalf("erasure: %d %s", r.Status, r.Body)
		}
		c := s.Cell(kurzRegion(region))
		if err := c.Store.PutErasure(t.Context(), a.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		c.Privacy.SweepPrivacy(t.Context())
	}
	erase(blocker, "eu")
	if rows("eu", blocker.ID) != 0 {
		t.Fatal("the erased blocker's blocks and mutes stayed in eu")
	}
	waitFor(t, "the erased blocker's notice gone from us", func() bool { return rows("us", blocked.ID) == 1 })
	if r := s.do("GET", "/api/v1/users/eother", nil, bearer(blocked)...); r.Status != 404 {
		t.Fatalf("the other blocker's block lost with the first one's erasure: %d", r.Status)
	}
	erase(blocked, "us")
	if rows("us", blocked.ID) != 0 {
		t.Fatal("the erased blocked person's notices stayed in us")
	}
}
